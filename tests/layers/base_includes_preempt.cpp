// Must NOT compile with the base's include roots: the base includes nothing of the concerns.
#include "gracepack/core/base/result.hpp"  // found: the roots are the target's

#include "gracepack/core/preempt/job.hpp"  // not found: the build refuses it
int main() {}
