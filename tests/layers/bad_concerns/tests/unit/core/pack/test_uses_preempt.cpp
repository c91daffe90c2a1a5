// Refused: the tests of a concern include what it does.
#include "gracepack/core/pack/plan.hpp"
#include "gracepack/core/preempt/notice.hpp"
