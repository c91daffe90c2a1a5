// Linux capabilities (libcap): gracepack's own processes drop every one before they run as the
// job's user, and the tests check that no process of a job holds any.
#pragma once

#include <sys/types.h>

#include <string>

#include "gracepack/result.hpp"

namespace gracepack::os {

struct CapabilitySets {
  bool effective_empty = false;
  bool permitted_empty = false;
  bool inheritable_empty = false;
  std::string text;  // libcap's text form, "=" when empty
};

// The sets of process `pid` (0: this process).
Result<CapabilitySets> capabilities_of(pid_t pid);

// Clears every set of this process, the ambient set and the bounding set where permitted.
Status drop_all_capabilities();

}  // namespace gracepack::os
