// Refused: the plugin does not include the report.
#include "gracepack/core/report/summary.hpp"
