// Refused: of the tools, gracepack-report alone includes the report.
#include "gracepack/core/report/report.hpp"
