#include "gracepack/controller.hpp"
#include "gracepack/text.hpp"

namespace gracepack {

std::string format_watcher_status(const WatcherStatus& s) {
  return "delivered=" + std::to_string(s.delivered) + "\nsignalled=" + std::to_string(s.signalled) +
         "\n";
}

Result<WatcherStatus> parse_watcher_status(const std::string& text) {
  WatcherStatus s;
  bool have_d = false, have_s = false;
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
    } else {
      return fail("watcher status: unexpected line '" + std::string(line) + "'");
    }
  }
  if (!have_d || !have_s) return fail("watcher status: incomplete");
  return s;
}

JobEndOutcome handle_job_end(Controller& controller, const JobEnd& end) {
  JobEndOutcome out;
  auto job = controller.load_job(end.job_id);
  if (!job) {
    AuditRecord r;
    r.event = "error";
    r.job.job_id = end.job_id;
    r.time = end.now;
    r.user = end.user;
    r.decision = "not requeued";
    r.reason = "cannot read the job from slurmctld: " + job.error().message;
    out.acted = true;
    out.records.push_back(std::move(r));
    return out;
  }
  // One requeue per preemption, from one node: the node that ran the batch script.
  if (job->batch && !end.node_name.empty() && job->batch_host != end.node_name) return out;
  out.acted = true;
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
    auto st = controller.requeue(end.job_id);
    r.event = st ? "requeue" : "error";
    r.decision = st ? "requeued" : "not requeued";
    r.reason = st ? d.reason : "requeue failed: " + st.error().message;
    out.requeued = st.ok();
  } else {
    const bool capped = d.reason.rfind("requeue cap", 0) == 0;
    const bool refused = cause == Cause::Preemption && !job->requeue_allowed;
    r.event = capped ? "cap" : refused ? "refused" : "no-requeue";
    r.decision = "not requeued";
    r.reason = d.reason;
  }
  out.records.push_back(std::move(r));
  return out;
}

}  // namespace gracepack
