#include "gracepack/core/preempt/job_end.hpp"

#include <sys/wait.h>

#include <algorithm>

namespace gracepack {
namespace {

std::string waited(unsigned waits) {
  return waits ? " (slurmctld did not answer at first; " + std::to_string(waits) + " retries)" : "";
}

bool status_for_this_run(const EpilogFacts& f) {
  return f.status && f.marker && f.status->run == f.marker->run;
}

// The record as far as root's marker knows it, for audit records written without slurmctld.
JobRecord record_from_marker(const EpilogFacts& f) {
  JobRecord r;
  r.job_id = f.job_id;
  r.user = f.uid;
  if (!f.marker) return r;
  r.array_job_id = f.marker->array_job;
  r.array_task_id = f.marker->array_task;
  if (!r.array_job_id || !r.array_task_id) r.array_job_id.reset(), r.array_task_id.reset();
  if (f.status && f.status->run == f.marker->run) r.restart_count = f.status->restart;
  r.partition = f.marker->partition;
  r.start_time = f.marker->started;
  return r;
}

AuditRecord base_record(const EpilogFacts& f, const JobRecord& job, Cause cause) {
  AuditRecord r;
  r.job = job;
  r.user = f.user;
  r.cause = cause;
  r.time = f.now;
  if (f.marker) {
    r.run_start = f.marker->started;
    r.script_exit = f.marker->script_exit;
    r.script_status = f.marker->script_status;
  }
  // The deadline of this run's notice, for the report (slurmctld's end time moves once the job
  // has ended).
  if (status_for_this_run(f) && f.status->state == WatchState::Delivered && f.status->deadline &&
      f.status->deadline > f.status->preempt_time)
    r.deadline = f.status->deadline;
  return r;
}

// A preempted run: what it held, what it acknowledged (the batch node's watcher read it) and what
// the preemption destroyed.
void add_lost_work(AuditRecord& r, const EpilogFacts& f, const JobRecord& job) {
  r.alloc = job.alloc;
  std::optional<std::time_t> before, in_window;
  // The grace start as slurmctld said it when it began (the watcher read it then): once the
  // window is over, 22.05 shows the moment the job was killed as its preempt time.
  std::time_t grace = job.preempt_time;
  if (status_for_this_run(f)) {
    const WatcherStatus& s = *f.status;
    if (s.state == WatchState::Delivered && s.preempt_time && s.preempt_time <= grace)
      grace = s.preempt_time;
    if (s.ack) before = s.ack;
    if (s.ack_window) in_window = s.ack_window;
    r.checkpoint_label = s.ack_label;
    r.checkpoint_note = s.ack_note;
    if (s.returned && s.deadline > s.returned) r.grace_returned = s.deadline - s.returned;
  }
  const std::time_t start = job.start_time ? job.start_time : f.marker->started;
  // The watcher split "before" and "inside" at its reading of the grace start and at its notice
  // (an acknowledgement in the grace start's second after the notice is inside): only one on the
  // wrong side of whole seconds is moved.
  if (before && *before > grace) {
    in_window = std::max(in_window.value_or(0), *before);
    before.reset();
  }
  if (in_window && *in_window < grace) {
    if (!before || *in_window > *before) before = in_window;
    in_window.reset();
  }
  r.grace_start = grace;
  r.checkpoint = before;
  r.checkpoint_in_window = in_window;
  // The label is the last acknowledgement's (the one inside the window when there is one).
  if (!before && !in_window) r.checkpoint_label.clear();
  r.lost = lost_work(start, grace, before, in_window, job.alloc);
}

JobState state_without_slurm(Cause cause, const std::optional<int>& status) {
  switch (cause) {
    case Cause::UserCancel:
      return JobState::Cancelled;
    case Cause::TimeLimit:
      return JobState::Timeout;
    case Cause::NodeFailure:
      return JobState::NodeFail;
    default:
      return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0 ? JobState::Complete
                                                                       : JobState::Failed;
  }
}

// A preempted run that comes back: the job's count of preemptions goes up by one in slurmctld
// (its AdminComment), and from protect_after on the job goes into the protected QOS. A QOS that
// does not exist or that the job's association may not use (gracepack-ctl asks slurmctld's
// association manager first: slurmctld lets root move a job into any QOS) leaves the job
// requeued as it was, and the audit says why.
void count_preemption(Controller& controller, const EpilogFacts& f, const JobRecord& job,
                      const Decision& d, Retry& retry, AuditRecord& r) {
  const unsigned n = job.preemptions + 1;
  Status st = with_retry([&] { return controller.mark(job.job_id, n, d.qos); }, retry);
  if (!d.qos.empty()) {
    if (st) {
      r.requeue_qos = d.qos;
      r.reason += "; into QOS " + d.qos + " (preemption " + std::to_string(n) +
                  ", protect_after=" + std::to_string(f.budgets.protect_after) + ")";
      return;
    }
    r.qos_note = "not moved into QOS " + d.qos + ": " + st.error().message;
    r.reason += "; stays in QOS " + (job.qos.empty() ? std::string("(unknown)") : job.qos) + ": " +
                r.qos_note;
    st = with_retry([&] { return controller.mark(job.job_id, n, ""); }, retry);
  }
  if (!st) r.reason += "; the preemption count was not recorded: " + st.error().message;
}

}  // namespace

EpilogPlan plan_epilog(const EpilogFacts& f) {
  EpilogPlan p;
  if (!f.marker) {
    p.why = "no run of this job was set up on this node" +
            (f.marker_note.empty() ? std::string() : " (" + f.marker_note + ")");
    return p;
  }
  const RunMarker& m = *f.marker;
  if (m.job != f.job_id || m.uid != f.uid) {
    p.why = "root's marker names job " + std::to_string(m.job) + " of uid " +
            std::to_string(m.uid) + ": left from another job, ignored";
    return p;
  }
  if (!m.batch) {
    p.why = "not the batch host";
    return p;
  }
  p.decide = true;
  p.ask_slurm = true;
  if (!f.status) {
    p.why = "the watcher left no usable status" +
            (f.status_note.empty() ? std::string() : " (" + f.status_note + ")");
    return p;
  }
  if (!status_for_this_run(f)) {
    p.why = "the watcher status is from another run, ignored";
    return p;
  }
  const WatcherStatus& s = *f.status;
  switch (s.state) {
    case WatchState::Delivered:
      p.why = "the watcher delivered a preemption notice";
      return p;
    case WatchState::NotPreempted:
      p.cause = s.cause;
      if (s.cause == Cause::TimeLimit && f.request.on_timelimit) {
        p.why = "the time limit ended the job and 'timelimit' asks for a requeue";
        return p;
      }
      p.ask_slurm = false;
      p.why = "the watcher saw the job end without a preemption";
      return p;
    case WatchState::Watching:
      if (m.watcher_at_exit != WatchState::Watching || !m.script_status) {
        p.why = "the watcher was not watching when the batch script ended (killed?)";
        return p;
      }
      // A script that a signal ended (scancel, a time limit: Slurm signals the script and the
      // extern step at once) may have ended before the watcher heard the same signal.
      if (!WIFEXITED(*m.script_status) || WEXITSTATUS(*m.script_status) >= 128) {
        p.why = "a signal ended the batch script";
        return p;
      }
      // A time limit the user wants requeued is worth a read even without a sign of one.
      if (f.request.on_timelimit) {
        p.why = "'timelimit' asks for a requeue at the time limit";
        return p;
      }
      p.ask_slurm = false;
      p.cause = WEXITSTATUS(*m.script_status) == 0 ? Cause::Completion : Cause::Failure;
      p.why = "the watcher was watching, with no grace period begun, when the script ended";
      return p;
    default:
      p.why = "the watcher was woken but left no verdict";
      return p;
  }
}

JobEndOutcome handle_job_end(Controller& controller, const EpilogFacts& f, Retry& retry) {
  JobEndOutcome out;
  const EpilogPlan plan = plan_epilog(f);
  if (!plan.decide) return out;
  out.acted = true;
  const RunMarker& m = *f.marker;
  if (!f.status_note.empty()) {
    // The user's status file was not read: say why, so that what root refused is on record.
    AuditRecord r = base_record(f, record_from_marker(f), Cause::Running);
    r.event = "ignored";
    r.decision = "ignored";
    r.reason = "the watcher's status file: " + f.status_note;
    out.records.push_back(std::move(r));
  }

  if (!plan.ask_slurm) {
    JobRecord job = record_from_marker(f);
    job.state = state_without_slurm(plan.cause, m.script_status);
    AuditRecord r = base_record(f, job, plan.cause);
    job.preempt_time = 0;
    const Decision d = decide_requeue(job, f.request, f.budgets);
    r.event = "no-requeue";
    r.decision = "not requeued";
    r.reason = d.reason;
    out.records.push_back(std::move(r));
    return out;
  }

  out.asked_slurm = true;
  const auto load = [&] { return controller.load_job(f.job_id); };
  auto job = with_retry(load, retry);
  if (!job || job->user != f.uid) {
    AuditRecord r = base_record(f, record_from_marker(f), Cause::Running);
    r.event = "error";
    r.decision = "not requeued";
    r.reason =
        job ? "slurmctld's record of job " + std::to_string(f.job_id) + " belongs to uid " +
                  std::to_string(job->user)
            : "cannot read the job from slurmctld: " + job.error().message + waited(retry.waits());
    out.records.push_back(std::move(r));
    return out;
  }
  if (marker_predates(m, job->start_time) && !job->requeued_by_slurm) {
    AuditRecord r = base_record(f, *job, classify(*job));
    r.event = "no-requeue";
    r.decision = "not requeued";
    r.reason = "root's marker on this node is from an earlier run (started " +
               std::to_string(static_cast<long long>(m.started)) + "; slurmctld's run started " +
               std::to_string(static_cast<long long>(job->start_time)) + ")";
    out.records.push_back(std::move(r));
    return out;
  }
  // slurmctld killed before it saved its state comes back without the preemption; the watcher
  // read it from slurmctld at grace start. (The status file is root's; only the watcher writes
  // it, through a descriptor root opened, and the user cannot take that from it.)
  std::string lost;
  const bool delivered = status_for_this_run(f) && f.status->state == WatchState::Delivered;
  if (!job->preempt_time && delivered && f.status->preempt_time &&
      f.status->preempt_time >= job->start_time && job->state != JobState::Cancelled) {
    job->preempt_time = f.status->preempt_time;
    lost =
        "; slurmctld's record no longer shows the preemption (restarted without its state), "
        "the watcher read it at grace start";
  }
  const Cause cause = classify(*job);
  // A notice is on record only for a run slurmctld (or the watcher's reading of it) shows
  // preempted, and says how many of the processes meant were signalled.
  if (delivered && cause == Cause::Preemption) {
    AuditRecord notice = base_record(f, *job, cause);
    const unsigned sent = f.status->signalled, meant = f.status->targets;
    notice.event = "notice";
    notice.decision = sent < meant ? (sent ? "partly notified" : "not notified") : "notified";
    notice.reason = "grace period started; " + std::to_string(sent) + " of " +
                    std::to_string(std::max(sent, meant)) + " processes signalled";
    notice.notice_delivered = f.status->delivered;
    notice.processes_signalled = f.status->signalled;
    out.records.push_back(std::move(notice));
  }

  const Decision d = decide_requeue(*job, f.request, f.budgets);
  AuditRecord r = base_record(f, *job, cause);
  r.preemptions = job->preemptions + (d.counts_preemption ? 1U : 0U);
  r.other_requeues = other_restarts(*job);
  // Every run with a grace start, also one cancelled inside its window.
  if (cause == Cause::Preemption || preempted_this_run(*job)) add_lost_work(r, f, *job);
  if (d.requeue) {
    // Tried again only while the job is provably not requeued yet: same restart count, not
    // pending again. Otherwise an answer lost with slurmctld would requeue twice.
    const std::uint32_t restarts = job->restart_count;
    const std::string id = requeue_id(*job);
    bool landed = false;
    bool first = true;
    const auto requeue_once = [&]() -> Status {
      if (!first) {
        auto now = controller.load_job(f.job_id);
        if (!now) return now.error();
        if (now->restart_count != restarts || now->state == JobState::Pending ||
            now->requeued_by_slurm) {
          landed = true;
          return Ok{};
        }
      }
      first = false;
      return controller.requeue(id);
    };
    auto st = with_retry(requeue_once, retry);
    r.event = st ? "requeue" : "error";
    r.decision = st ? "requeued" : "not requeued";
    r.reason =
        st ? d.reason + lost + (landed ? "; the requeue landed although its answer was lost" : "")
           : "requeue failed: " + st.error().message;
    r.reason += waited(retry.waits());
    out.requeued = st.ok();
    if (st && d.counts_preemption) count_preemption(controller, f, *job, d, retry, r);
  } else if (d.counts_preemption) {
    // Slurm requeues the preempted run itself (PreemptMode=REQUEUE): counted all the same.
    r.event = "no-requeue";
    r.decision = "not requeued";
    r.reason = d.reason + waited(retry.waits());
    count_preemption(controller, f, *job, d, retry, r);
  } else {
    const bool capped = d.reason.rfind("requeue cap", 0) == 0;
    const bool refused = cause == Cause::Preemption && !job->requeue_allowed;
    r.event = capped ? "cap" : refused ? "refused" : "no-requeue";
    r.decision = "not requeued";
    r.reason = d.reason + waited(retry.waits());
  }
  out.records.push_back(std::move(r));
  return out;
}

}  // namespace gracepack
