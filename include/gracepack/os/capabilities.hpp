// Linux capabilities: gracepack's own processes drop every one before they run as the job's
// user, and the tests check that no process of a job holds any.
#pragma once

#include <sys/types.h>

#include <string>

#include "gracepack/core/base/result.hpp"

namespace gracepack::os {

struct CapabilitySets {
  bool effective_empty = false;
  bool permitted_empty = false;
  bool inheritable_empty = false;
  std::string text;  // libcap's text form, "=" when empty
};

// The sets of process `pid` (0: this process), read with libcap.
Result<CapabilitySets> capabilities_of(pid_t pid);

// Clears the effective, permitted, inheritable and ambient sets of this process with raw system
// calls (async-signal-safe: used between fork and exec). The bounding set needs CAP_SETPCAP and
// is cleared by spawn() while it still runs as root; PR_SET_NO_NEW_PRIVS stops exec from giving
// any capability back.
bool drop_all_capabilities() noexcept;

}  // namespace gracepack::os
