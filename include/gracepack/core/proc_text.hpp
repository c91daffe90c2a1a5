// The few /proc/<pid> files the watcher reads, parsed (pure; the reading is in os/proc).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

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

}  // namespace gracepack
