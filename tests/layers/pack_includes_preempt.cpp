// Must NOT compile with the pack's include roots: packing does not build on preemption.
#include "gracepack/core/pack/plan.hpp"  // found: the roots are the target's

#include "gracepack/core/preempt/job.hpp"  // not found: the build refuses it
int main() {}
