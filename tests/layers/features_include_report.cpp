// Must NOT compile with the include roots of the plugin's features: the report is
// gracepack-report's alone.
#include "gracepack/features/plugin.hpp"  // found: the roots are the target's

#include "gracepack/core/report/report.hpp"  // not found: the build refuses it
int main() {}
