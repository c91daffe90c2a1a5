#include "gracepack/core/preempt/runtime_plumbing.hpp"

#include <bitset>

namespace gracepack {
namespace {

bool caught(const ProcessInfo& p, int sig) {
  return sig >= 1 && sig <= 64 && ((p.caught >> (sig - 1)) & 1U) != 0;
}

// Signals 1-31 but SIGKILL and SIGSTOP (which nobody can catch or block).
constexpr std::uint64_t kCatchable = 0x7ffbfeffULL;

bool forwarder(const ProcessInfo& p) {
  return std::bitset<64>((p.caught | p.blocked) & kCatchable).count() >= kForwarderSignals;
}

// Two namespace ids differ only where both were readable.
bool differ(std::uint64_t a, std::uint64_t b) {
  return a != 0 && b != 0 && a != b;
}

bool other_namespace(const ProcessInfo& a, const ProcessInfo& b) {
  return a.nspid.size() != b.nspid.size() || differ(a.pid_ns, b.pid_ns) ||
         differ(a.mnt_ns, b.mnt_ns) || differ(a.user_ns, b.user_ns);
}

}  // namespace

bool forwarder_by_blocking_only(const ProcessInfo& p) {
  return forwarder(p) && std::bitset<64>(p.caught & kCatchable).count() < kForwarderSignals;
}

bool runtime_plumbing(const ProcessInfo& p, const std::vector<ProcessInfo>& all,
                      std::size_t ns_depth, int signal) {
  bool children = false;
  const ProcessInfo* parent = nullptr;
  for (const ProcessInfo& c : all) {
    if (c.pid == p.ppid && c.pid != p.pid) parent = &c;
    if (c.ppid != p.pid || c.pid == p.pid) continue;
    if (other_namespace(p, c)) return true;  // the runtime outside its container
    children = true;
  }
  // A forwarder that entered namespaces of its own (rootless podman run, apptainer's starter).
  if (parent && other_namespace(*parent, p) && forwarder(p)) return true;
  const bool init = ns_depth > 0 && p.nspid.size() > ns_depth && p.nspid.back() == 1;
  if (!init || !children) return false;
  return !caught(p, signal) || forwarder(p);
}

}  // namespace gracepack
