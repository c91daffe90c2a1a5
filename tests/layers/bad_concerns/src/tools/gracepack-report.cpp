// Accepted: the report tool.
#include "gracepack/core/report/report.hpp"
