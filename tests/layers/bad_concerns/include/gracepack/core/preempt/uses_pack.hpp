// Refused: preemption does not build on packing.
#pragma once

#include "gracepack/core/pack/task_env.hpp"
