#include "gracepack/core/runtime_plumbing.hpp"

namespace gracepack {
namespace {

constexpr int kSigchld = 17;

bool caught(const ProcessInfo& p, int sig) {
  return sig >= 1 && sig <= 64 && ((p.caught >> (sig - 1)) & 1U) != 0;
}

// Two namespace ids differ only where both were readable.
bool differ(std::uint64_t a, std::uint64_t b) {
  return a != 0 && b != 0 && a != b;
}

bool other_namespace(const ProcessInfo& parent, const ProcessInfo& child) {
  return parent.nspid.size() != child.nspid.size() || differ(parent.pid_ns, child.pid_ns) ||
         differ(parent.mnt_ns, child.mnt_ns) || differ(parent.user_ns, child.user_ns);
}

}  // namespace

bool runtime_plumbing(const ProcessInfo& p, const std::vector<ProcessInfo>& all,
                      std::size_t ns_depth, int signal) {
  bool children = false;
  for (const ProcessInfo& c : all) {
    if (c.ppid != p.pid || c.pid == p.pid) continue;
    if (other_namespace(p, c)) return true;
    children = true;
  }
  const bool init = ns_depth > 0 && p.nspid.size() > ns_depth && p.nspid.back() == 1;
  if (!init || !children) return false;
  return !(caught(p, signal) && !caught(p, kSigchld));
}

}  // namespace gracepack
