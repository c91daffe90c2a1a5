// Which of a job's processes belong to a container runtime rather than to the application, told
// from what the kernel shows (namespaces, parent links, signal handlers), never from names. The
// notice must reach the application inside a container and spare the runtime's processes: an
// outer monitor (bwrap, podman's conmon, apptainer's starter) dies of the signal or forwards it
// a second time, and a PID namespace's init that dies takes every process inside with it.
#pragma once

#include <cstddef>
#include <vector>

#include "gracepack/core/watcher_logic.hpp"

namespace gracepack {

// True for `p` among `all` (the processes of its step, as the watcher read them) when it is
//  - a boundary: one of its children lives in another PID, mount or user namespace (the runtime's
//    process outside the container), or
//  - the init of a PID namespace below the watcher's (its last NSpid entry is 1, more entries than
//    `ns_depth`) that has children, unless it is the application run as PID 1: it has a handler
//    for `signal` and none for SIGCHLD (a runtime's or shell's init reaps its children: bwrap's,
//    catatonit, tini and dumb-init catch SIGCHLD or catch nothing; without a handler the kernel
//    drops the signal anyway).
// An init without children is the application itself (podman without --init, bwrap --as-pid-1).
bool runtime_plumbing(const ProcessInfo& p, const std::vector<ProcessInfo>& all,
                      std::size_t ns_depth, int signal);

}  // namespace gracepack
