// Which of a job's processes belong to a container runtime rather than to the application, told
// from what the kernel shows (namespaces, parent links, signal handlers), never from names. The
// notice must reach the application inside a container and spare the runtime's processes: an
// outer monitor (bwrap, podman's conmon, apptainer's starter) dies of the signal or forwards it
// a second time, and a PID namespace's init that dies takes every process inside with it.
#pragma once

#include <cstddef>
#include <vector>

#include "gracepack/core/preempt/watcher_logic.hpp"

namespace gracepack {

// A process that catches or blocks at least this many of the 29 signals a process can (podman,
// catatonit, tini, dumb-init, apptainer's starter and appinit: all of them) passes signals on.
inline constexpr std::size_t kForwarderSignals = 16;

// True for `p` among `all` (the processes of its step, as the watcher read them) when it is
//  - a boundary: one of its children lives in another PID, mount or user namespace (the runtime's
//    process outside the container: bwrap's monitor, podman's conmon);
//  - a forwarder (kForwarderSignals) in other namespaces than its parent's: a runtime that
//    entered its own (rootless `podman run`, which passes the signal on to the container);
//  - the init of a PID namespace below the watcher's (its last NSpid entry is 1, more entries than
//    `ns_depth`) that has children, unless it is the application: it handles `signal` and is no
//    forwarder (bwrap's init handles nothing, and the kernel would drop the signal anyway;
//    catatonit, tini, dumb-init and appinit are forwarders; an entry script that traps the
//    signal is the application).
// An init without children is the application itself (podman without --init, bwrap --as-pid-1).
// Known limit: an application that catches nearly every signal (Go programs do) and is the first
// process in namespaces of its own is taken for a forwarder.
// True when `p` passes for a forwarder only through the signals it blocks: a forwarder that
// waits with sigwait or a signalfd (tini, catatonit) blocks them for good, but bash around a
// fork and glibc's posix_spawn block every signal for an instant, and an application caught in
// that instant must not be taken for plumbing. The watcher reads such a process again.
bool forwarder_by_blocking_only(const ProcessInfo& p);

bool runtime_plumbing(const ProcessInfo& p, const std::vector<ProcessInfo>& all,
                      std::size_t ns_depth, int signal);

}  // namespace gracepack
