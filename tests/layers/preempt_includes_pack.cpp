// Must NOT compile with the include roots of preemption: it does not build on packing.
#include "gracepack/core/preempt/job.hpp"  // found: the roots are the target's

#include "gracepack/core/pack/plan.hpp"  // not found: the build refuses it
int main() {}
