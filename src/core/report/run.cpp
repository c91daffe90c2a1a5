#include "gracepack/core/report/run.hpp"

#include <algorithm>

namespace gracepack::report {

WindowUse window_use(const AuditLine& r) {
  WindowUse w;
  if (r.preempt_time <= 0) return w;
  const bool signalled = r.script_status && (*r.script_status & 0x7f) != 0;
  if (r.deadline && *r.deadline > r.preempt_time) {
    w.deadline = r.deadline;
  } else if (r.end_time > r.preempt_time) {
    // A record without the watcher's deadline: slurmctld's end time is the deadline of a job
    // that Slurm ended there, but the job's own end when its script exited by itself (no signal):
    // then the run ended in time and the window's length is not on record.
    if (r.script_exit && r.script_status && !signalled) {
      w.end = WindowEnd::ExitedInTime;
      w.used = std::max<std::int64_t>(0, *r.script_exit - r.preempt_time);
      return w;
    }
    w.deadline = r.end_time;
  } else {
    return w;
  }
  w.window = *w.deadline - r.preempt_time;
  // Handed back (issue 19): gracepack ended the run at its acknowledgement inside the window, by
  // a signal, grace_returned_seconds before the deadline. It ended in time, whatever the state.
  if (r.grace_returned_seconds && *r.grace_returned_seconds > 0) {
    w.end = WindowEnd::ExitedInTime;
    w.used = std::clamp<std::int64_t>(w.window - *r.grace_returned_seconds, 0, w.window);
    return w;
  }
  // PREEMPTED alone does not prove a kill: after a slurmctld restart a job whose script had
  // ended in time was recorded PREEMPTED. With a signal it does, whatever the clocks say.
  const bool preempted_state = r.state == "PREEMPTED" && (!r.script_exit || signalled);
  if (preempted_state || (r.script_exit && *r.script_exit >= *w.deadline)) {
    w.end = WindowEnd::KilledAtDeadline;
    w.used = w.window;
  } else if (r.script_exit) {
    w.end = WindowEnd::ExitedInTime;
    w.used = std::max<std::int64_t>(0, *r.script_exit - r.preempt_time);
  } else {
    w.end = WindowEnd::Unknown;
  }
  return w;
}

std::int64_t loss_grace_start(const AuditLine& r) {
  return r.grace_start && *r.grace_start > 0 ? *r.grace_start : r.preempt_time;
}

bool acknowledged(const AuditLine& r) {
  return r.checkpoint.has_value() || r.checkpoint_in_window.has_value();
}

std::optional<std::int64_t> notice_latency(const AuditLine& r) {
  if (!r.notice_delivered || r.preempt_time <= 0) return std::nullopt;
  return *r.notice_delivered - r.preempt_time;
}

std::optional<std::int64_t> run_start_of(const AuditLine& r) {
  if (r.run_start && *r.run_start > 0) return r.run_start;
  if (r.start_time && *r.start_time > 0) return r.start_time;
  return std::nullopt;
}

std::optional<std::int64_t> run_before_preemption(const AuditLine& r) {
  const auto start = run_start_of(r);
  if (r.preempt_time <= 0 || !start || *start > r.preempt_time) return std::nullopt;
  return r.preempt_time - *start;
}

std::optional<std::int64_t> preemptions_of(const AuditLine& r) {
  if (!r.preemptions) return std::nullopt;
  const bool left_out = r.cause == Cause::Preemption &&
                        (r.event == AuditEvent::Cap || r.event == AuditEvent::Refused);
  return *r.preemptions + (left_out ? 1 : 0);
}

std::string describe_wait_status(std::int64_t status) {
  // The layout waitpid() uses on Linux: exit code in bits 8-15, terminating signal in bits 0-6.
  static constexpr const char* kNames[] = {"",     "HUP",  "INT",    "QUIT", "ILL",  "TRAP", "ABRT",
                                           "BUS",  "FPE",  "KILL",   "USR1", "SEGV", "USR2", "PIPE",
                                           "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP"};
  const auto sig = static_cast<int>(status & 0x7f);
  if (sig == 0) return "exit status " + std::to_string((status >> 8) & 0xff);
  if (sig < static_cast<int>(std::size(kNames))) return std::string("killed by SIG") + kNames[sig];
  return "killed by signal " + std::to_string(sig);
}

std::string describe_cause(const std::optional<Cause>& c) {
  if (!c) return "unknown cause";
  switch (*c) {
    case Cause::Preemption:
      return "preempted";
    case Cause::UserCancel:
      return "cancelled";
    case Cause::TimeLimit:
      return "time limit";
    case Cause::NodeFailure:
      return "node failure";
    case Cause::Completion:
      return "completed";
    case Cause::Failure:
      return "failed";
    case Cause::Running:
      return "still running";
  }
  return "unknown cause";
}

}  // namespace gracepack::report
