#include "gracepack/os/capabilities.hpp"

#include <sys/capability.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace gracepack::os {
namespace {

struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;

bool set_empty(cap_t caps, cap_flag_t flag) {
  CapPtr empty(cap_init());
  if (!empty) return false;
  // cap_compare reports which flag sets differ.
  return !CAP_DIFFERS(cap_compare(caps, empty.get()), flag);
}

}  // namespace

Result<CapabilitySets> capabilities_of(pid_t pid) {
  CapPtr caps(pid == 0 ? cap_get_proc() : cap_get_pid(pid));
  if (!caps) {
    return fail("cannot read the capabilities of pid " + std::to_string(pid) + ": " +
                std::strerror(errno));
  }
  CapabilitySets out;
  out.effective_empty = set_empty(caps.get(), CAP_EFFECTIVE);
  out.permitted_empty = set_empty(caps.get(), CAP_PERMITTED);
  out.inheritable_empty = set_empty(caps.get(), CAP_INHERITABLE);
  std::unique_ptr<char, CapFree> txt(cap_to_text(caps.get(), nullptr));
  out.text = txt ? txt.get() : "?";
  return out;
}

}  // namespace gracepack::os
