// Kept apart from capabilities.cpp: the raw drop needs no libcap (the watcher links without it).
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gracepack/os/capabilities.hpp"

namespace gracepack::os {

bool drop_all_capabilities() noexcept {
  // Raw system calls: this runs between fork and exec, where nothing may allocate.
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace gracepack::os
