#include "gracepack/controller.hpp"
#include "gracepack/text.hpp"

namespace gracepack {

std::string format_watcher_status(const WatcherStatus& s) {
  return "delivered=" + std::to_string(s.delivered) + "\nsignalled=" + std::to_string(s.signalled) +
         "\npreempt_time=" + std::to_string(s.preempt_time) + "\n";
}

Result<WatcherStatus> parse_watcher_status(const std::string& text) {
  WatcherStatus s;
  bool have_d = false, have_s = false, have_p = false;
  for (auto line : text::split(text, '\n')) {
    if (line.empty()) continue;
    const auto eq = line.find('=');
    const auto key = line.substr(0, eq);
    const auto val = eq == std::string_view::npos
                         ? std::optional<std::int64_t>()
                         : text::parse_int(line.substr(eq + 1), 0, INT64_C(1) << 40);
    if (!val) return fail("watcher status: bad line '" + std::string(line) + "'");
    if (key == "delivered" && !have_d) {
      s.delivered = static_cast<std::time_t>(*val);
      have_d = true;
    } else if (key == "signalled" && !have_s && *val < 1000000) {
      s.signalled = static_cast<unsigned>(*val);
      have_s = true;
    } else if (key == "preempt_time" && !have_p) {
      s.preempt_time = static_cast<std::time_t>(*val);
      have_p = true;
    } else {
      return fail("watcher status: unexpected line '" + std::string(line) + "'");
    }
  }
  if (!have_d || !have_s || !have_p) return fail("watcher status: incomplete");
  return s;
}

namespace {

// Runs `call` until it succeeds, fails for good, or `retry` says stop; counts the waits.
template <class Call>
auto with_retry(const Call& call, const RetryWait& retry, unsigned& waits) {
  auto r = call();
  while (!r && r.error().transient && retry && retry()) {
    ++waits;
    r = call();
  }
  return r;
}

std::string waited(unsigned waits) {
  return waits ? " (slurmctld did not answer at first; " + std::to_string(waits) + " retries)" : "";
}

}  // namespace

JobEndOutcome handle_job_end(Controller& controller, const JobEnd& end, const RetryWait& retry) {
  JobEndOutcome out;
  unsigned waits = 0;
  const auto load = [&] { return controller.load_job(end.job_id); };
  auto job = with_retry(load, retry, waits);
  if (!job) {
    AuditRecord r;
    r.event = "error";
    r.job.job_id = end.job_id;
    r.time = end.now;
    r.user = end.user;
    r.decision = "not requeued";
    r.reason = "cannot read the job from slurmctld: " + job.error().message + waited(waits);
    out.acted = true;
    out.records.push_back(std::move(r));
    return out;
  }
  // One requeue per preemption, from one node: the node that ran the batch script.
  if (job->batch && !end.node_name.empty() && job->batch_host != end.node_name) return out;
  out.acted = true;
  // slurmctld killed before it saved its state comes back without the preemption; the watcher
  // read it from slurmctld at grace start. (The file is the user's: forging it can only requeue
  // the user's own job within the cap, which `scontrol requeue` allows the user anyway.)
  std::string lost;
  if (!job->preempt_time && end.watcher && end.watcher->preempt_time &&
      job->state != JobState::Cancelled) {
    job->preempt_time = end.watcher->preempt_time;
    lost =
        "; slurmctld's record no longer shows the preemption (restarted without its state), "
        "the watcher read it at grace start";
  }
  const Cause cause = classify(*job);

  AuditRecord base;
  base.job = *job;
  base.user = end.user;
  base.cause = cause;
  base.time = end.now;
  if (end.watcher) {
    AuditRecord notice = base;
    notice.event = "notice";
    notice.decision = "notified";
    notice.reason = "grace period started; the job's processes were signalled";
    notice.notice_delivered = end.watcher->delivered;
    notice.processes_signalled = end.watcher->signalled;
    out.records.push_back(std::move(notice));
  }

  const Decision d = decide_requeue(*job, end.request, end.admin_max);
  AuditRecord r = base;
  if (d.requeue) {
    // A requeue is tried again only while the job is provably not requeued yet: same restart
    // count, not pending again. Otherwise an answer lost with slurmctld would requeue twice.
    const std::uint32_t restarts = job->restart_count;
    bool landed = false;
    const auto requeue_once = [&]() -> Status {
      if (waits) {
        auto now = with_retry(load, retry, waits);
        if (!now) return now.error();
        if (now->restart_count != restarts || now->state == JobState::Pending ||
            now->requeued_by_slurm) {
          landed = true;
          return Ok{};
        }
      }
      return controller.requeue(end.job_id);
    };
    auto st = with_retry(requeue_once, retry, waits);
    r.event = st ? "requeue" : "error";
    r.decision = st ? "requeued" : "not requeued";
    r.reason =
        st ? d.reason + lost + (landed ? "; the requeue landed although its answer was lost" : "")
           : "requeue failed: " + st.error().message;
    r.reason += waited(waits);
    out.requeued = st.ok();
  } else {
    const bool capped = d.reason.rfind("requeue cap", 0) == 0;
    const bool refused = cause == Cause::Preemption && !job->requeue_allowed;
    r.event = capped ? "cap" : refused ? "refused" : "no-requeue";
    r.decision = "not requeued";
    r.reason = d.reason + waited(waits);
  }
  out.records.push_back(std::move(r));
  return out;
}

}  // namespace gracepack
