// Refused: the base includes nothing of the concerns.
#include "gracepack/core/base/result.hpp"
#include "gracepack/core/pack/plan.hpp"
