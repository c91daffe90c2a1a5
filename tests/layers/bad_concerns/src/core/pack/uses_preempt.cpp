// Refused: packing does not build on preemption.
#include "gracepack/core/pack/plan.hpp"
#include "gracepack/core/preempt/job.hpp"
