// What one run of a job tells, read from its audit records: how it used its grace window, how
// fast the notice came, how long it had run. Shared by the job timeline and the summary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "gracepack/core/report/report.hpp"

namespace gracepack::report {

enum class WindowEnd {
  None,              // no grace window in this run (not preempted)
  ExitedInTime,      // the batch script ended before the deadline
  KilledAtDeadline,  // it ran to the deadline: Slurm killed it
  Unknown,           // preempted, but the record says nothing of the script's end
};

struct WindowUse {
  WindowEnd end = WindowEnd::None;
  std::int64_t used = 0;    // seconds from grace start to the script's end (all of it if killed)
  std::int64_t window = 0;  // seconds from grace start to the deadline; 0: the deadline is unknown
  std::optional<std::int64_t> deadline;  // the grace deadline, if known
};

// The deadline is the record's `deadline` (the watcher's, read at grace start). Older records
// lack it: slurmctld's `end_time` stands for it, except when the script exited by itself (no
// signal): the job then ended by itself and `end_time` is that end, so the run ended in time and
// the window's length is unknown (window 0). Killed at the deadline: the script ended at or after
// the deadline (the node's clock against slurmctld's), or the state is PREEMPTED and the script
// was killed by a signal (or its end is not on record). A run whose grace was handed back
// (grace_returned_seconds) ended in time, at deadline - grace_returned_seconds: gracepack's
// signal ended it there, and that moment is its use of the window.
WindowUse window_use(const AuditLine& r);

// The grace start the work lost is counted from: the record's `grace_start`, else `preempt_time`.
std::int64_t loss_grace_start(const AuditLine& r);

// Whether the run acknowledged a checkpoint: at or before its grace start (`checkpoint`) or
// inside its window (`checkpoint_in_window`). The job's own declaration (docs/report.md).
bool acknowledged(const AuditLine& r);

// Seconds from grace start to the notice reaching the job's processes; nullopt if either is
// unknown. Negative when the node's clock is behind slurmctld's.
std::optional<std::int64_t> notice_latency(const AuditLine& r);

// Seconds the run had run when its grace period began: the work at stake, for a run preempted.
std::optional<std::int64_t> run_before_preemption(const AuditLine& r);

// This run's start: the batch step's on the node, else slurmctld's.
std::optional<std::int64_t> run_start_of(const AuditLine& r);

// The job's preemptions as of this record (issue 20): its `preemptions`, plus one for a preempted
// run that was not requeued (`cap`, `refused`), whose own preemption the epilog leaves out of the
// field (it counts the preemptions the job comes back from); nullopt without the field.
std::optional<std::int64_t> preemptions_of(const AuditLine& r);

// A wait status as waitpid() gives it: "exit status 0", "killed by SIGKILL".
std::string describe_wait_status(std::int64_t status);

// "preempted", "cancelled", "time limit", ... ("unknown cause" for a name this version lacks).
std::string describe_cause(const std::optional<Cause>& c);

}  // namespace gracepack::report
