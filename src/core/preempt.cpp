#include "gracepack/preempt.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "gracepack/text.hpp"

namespace gracepack {

const char* to_string(Cause c) {
  switch (c) {
    case Cause::Preemption:
      return "preemption";
    case Cause::UserCancel:
      return "cancelled";
    case Cause::TimeLimit:
      return "time_limit";
    case Cause::NodeFailure:
      return "node_failure";
    case Cause::Completion:
      return "completed";
    case Cause::Failure:
      return "failed";
    case Cause::Running:
      break;
  }
  return "running";
}

const char* to_string(JobState s) {
  switch (s) {
    case JobState::Pending:
      return "PENDING";
    case JobState::Running:
      return "RUNNING";
    case JobState::Suspended:
      return "SUSPENDED";
    case JobState::Complete:
      return "COMPLETED";
    case JobState::Cancelled:
      return "CANCELLED";
    case JobState::Failed:
      return "FAILED";
    case JobState::Timeout:
      return "TIMEOUT";
    case JobState::NodeFail:
      return "NODE_FAIL";
    case JobState::Preempted:
      return "PREEMPTED";
    case JobState::OutOfMemory:
      return "OUT_OF_MEMORY";
    case JobState::Other:
      break;
  }
  return "OTHER";
}

Cause classify(const JobRecord& job) {
  switch (job.state) {
    // A user who cancels during the grace period wants the job gone.
    case JobState::Cancelled:
      return Cause::UserCancel;
    case JobState::NodeFail:
      return Cause::NodeFailure;
    case JobState::Preempted:
      return Cause::Preemption;
    case JobState::Timeout:
      return job.preempt_time ? Cause::Preemption : Cause::TimeLimit;
    default:
      break;
  }
  // Exited by itself inside its grace window (COMPLETED or FAILED) or still running in it.
  if (job.preempt_time) return Cause::Preemption;
  switch (job.state) {
    case JobState::Complete:
      return Cause::Completion;
    case JobState::Failed:
    case JobState::OutOfMemory:
    case JobState::Other:
      return Cause::Failure;
    default:
      return Cause::Running;
  }
}

unsigned requeue_cap(const PreemptRequest& request, unsigned admin_max) {
  return request.max_requeue ? std::min(*request.max_requeue, admin_max) : admin_max;
}

Decision decide_requeue(const JobRecord& job, const PreemptRequest& request, unsigned admin_max) {
  const unsigned cap = requeue_cap(request, admin_max);
  if (!job.batch) return {false, "interactive jobs (srun, salloc) cannot be requeued"};
  if (job.requeued_by_slurm) return {false, "Slurm requeues this job itself"};
  const Cause cause = classify(job);
  switch (cause) {
    case Cause::Preemption:
      break;
    case Cause::TimeLimit:
      if (request.on_timelimit) break;
      return {false, "time limit reached (add 'timelimit' to --preempt-requeue to requeue then)"};
    case Cause::UserCancel:
      return {false, "cancelled by a user"};
    case Cause::NodeFailure:
      return {false, "node failure (Slurm's own requeue rules apply)"};
    case Cause::Completion:
      return {false, "completed without preemption"};
    case Cause::Failure:
      return {false, "failed without preemption"};
    case Cause::Running:
      return {false, "still running"};
  }
  if (!job.requeue_allowed) {
    return {false,
            "the job cannot be requeued (submitted with --no-requeue, or JobRequeue=0 without "
            "--requeue): submit with --requeue"};
  }
  if (job.restart_count >= cap) {
    return {false, "requeue cap reached: the job has restarted " +
                       std::to_string(job.restart_count) + " times, max " + std::to_string(cap)};
  }
  return {true, std::string(cause == Cause::TimeLimit ? "time limit" : "preemption") +
                    ": requeue " + std::to_string(job.restart_count + 1) + " of max " +
                    std::to_string(cap)};
}

std::string format_notice(const Notice& n) {
  return "GRACEPACK_CAUSE=" + std::string(to_string(n.cause)) +
         "\nGRACEPACK_NOTICE_TIME=" + std::to_string(n.notice_time) +
         "\nGRACEPACK_DEADLINE=" + std::to_string(n.deadline) +
         "\nGRACEPACK_SIGNAL=" + signal_name(n.signal) +
         "\nGRACEPACK_RESTART_COUNT=" + std::to_string(n.restart_count) +
         "\nGRACEPACK_MAX_REQUEUE=" + std::to_string(n.max_requeue) +
         "\nGRACEPACK_WILL_REQUEUE=" + (n.will_requeue ? "1" : "0") + "\n";
}

Result<Notice> parse_notice(const std::string& text) {
  std::map<std::string, std::string, std::less<>> kv;
  for (auto line : text::split(text, '\n')) {
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail("notice file: bad line '" + std::string(line) + "'");
    if (!kv.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1))).second) {
      return fail("notice file: " + std::string(line.substr(0, eq)) + " given twice");
    }
  }
  auto get = [&](const char* k) -> std::optional<std::string> {
    auto it = kv.find(k);
    return it == kv.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto num = [&](const char* k, std::int64_t max) -> std::optional<std::int64_t> {
    auto v = get(k);
    return v ? text::parse_int(*v, 0, max) : std::nullopt;
  };
  Notice n;
  const auto cause = get("GRACEPACK_CAUSE");
  bool known = false;
  for (Cause c : {Cause::Preemption, Cause::UserCancel, Cause::TimeLimit, Cause::NodeFailure,
                  Cause::Completion, Cause::Failure, Cause::Running}) {
    if (cause && *cause == to_string(c)) n.cause = c, known = true;
  }
  const auto t = num("GRACEPACK_NOTICE_TIME", INT64_C(1) << 40);
  const auto d = num("GRACEPACK_DEADLINE", INT64_C(1) << 40);
  const auto sig = get("GRACEPACK_SIGNAL");
  const auto parsed_sig = sig ? parse_signal(*sig) : std::nullopt;
  const auto r = num("GRACEPACK_RESTART_COUNT", 65535);
  const auto m = num("GRACEPACK_MAX_REQUEUE", 65535);
  const auto w = get("GRACEPACK_WILL_REQUEUE");
  if (!known || !t || !d || !parsed_sig || !r || !m || !w || (*w != "0" && *w != "1")) {
    return fail("notice file: a field is missing or malformed");
  }
  n.notice_time = static_cast<std::time_t>(*t);
  n.deadline = static_cast<std::time_t>(*d);
  n.signal = *parsed_sig;
  n.restart_count = static_cast<unsigned>(*r);
  n.max_requeue = static_cast<unsigned>(*m);
  n.will_requeue = *w == "1";
  return n;
}

std::string notice_message(const Notice& n, std::uint32_t job_id, std::time_t now) {
  char when[32] = "?";
  std::tm tm{};
  if (localtime_r(&n.deadline, &tm)) std::strftime(when, sizeof when, "%H:%M:%S", &tm);
  const long left = static_cast<long>(n.deadline - now);
  std::string msg = "gracepack: job " + std::to_string(job_id) +
                    " is being preempted; it will be killed at " + when + " (in " +
                    std::to_string(left > 0 ? left : 0) + " s). SIG" + signal_name(n.signal) +
                    " sent to its processes: save your work now. ";
  if (n.will_requeue) {
    msg += "The job will be requeued afterwards (restart " + std::to_string(n.restart_count + 1) +
           " of max " + std::to_string(n.max_requeue) + ").";
  } else {
    msg += "It will NOT be requeued: it has restarted " + std::to_string(n.restart_count) +
           " times, the maximum is " + std::to_string(n.max_requeue) + ".";
  }
  return msg;
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string to_json(const AuditRecord& r) {
  auto str = [](const std::string& s) { return "\"" + json_escape(s) + "\""; };
  std::string j = "{\"time\":" + std::to_string(r.time) + ",\"event\":" + str(r.event) +
                  ",\"job_id\":" + std::to_string(r.job.job_id);
  if (r.job.array_job_id) j += ",\"array_job_id\":" + std::to_string(*r.job.array_job_id);
  if (r.job.array_task_id) j += ",\"array_task_id\":" + std::to_string(*r.job.array_task_id);
  j += ",\"uid\":" + std::to_string(r.job.user) + ",\"user\":" + str(r.user) +
       ",\"partition\":" + str(r.job.partition) + ",\"state\":" + str(to_string(r.job.state)) +
       ",\"cause\":" + str(to_string(r.cause)) +
       ",\"preempt_time\":" + std::to_string(r.job.preempt_time) +
       ",\"end_time\":" + std::to_string(r.job.end_time) +
       ",\"restart_count\":" + std::to_string(r.job.restart_count);
  if (r.notice_delivered) j += ",\"notice_delivered\":" + std::to_string(*r.notice_delivered);
  if (r.processes_signalled)
    j += ",\"processes_signalled\":" + std::to_string(*r.processes_signalled);
  j += ",\"decision\":" + str(r.decision) + ",\"reason\":" + str(r.reason) + "}";
  return j;
}

}  // namespace gracepack
