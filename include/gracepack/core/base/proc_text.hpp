// The few /proc/<pid> files the watcher reads, parsed (pure; the reading is in os/proc).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gracepack {

struct ProcStat {
  pid_t pid = 0;
  std::string comm;
  pid_t ppid = 0;
  unsigned long long start = 0;  // field 22, clock ticks since boot
};
// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// The real uid from /proc/<pid>/status ("Uid:\treal\teffective\t...").
std::optional<uid_t> parse_status_uid(std::string_view text);
// Its pid in each PID namespace from the reader's down ("NSpid:\t812\t1": pid 1 of a namespace
// one level below); empty where the kernel has no such line (before 4.1).
std::vector<pid_t> parse_status_nspid(std::string_view text);
// The signals it has a handler for ("SigCgt:", hex; bit N-1 for signal N) or blocks ("SigBlk:");
// 0 when absent.
std::uint64_t parse_status_caught(std::string_view text);
std::uint64_t parse_status_blocked(std::string_view text);

// The node's name in slurmstepd's socket "<SlurmdSpoolDir>/<node>_<job>.<step>" (with ".<het>"
// from Slurm 20.11 for a heterogeneous step), when it is that job's and step's; else nullopt.
std::optional<std::string> stepd_socket_node(std::string_view path, std::uint32_t job,
                                             std::uint32_t step);

}  // namespace gracepack
