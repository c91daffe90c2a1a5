// Accepted: the report reads the audit format of preemption.
#include "gracepack/core/preempt/audit.hpp"
#include "gracepack/core/report/report.hpp"
