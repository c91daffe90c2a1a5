#include "gracepack/core/preempt/notice.hpp"

#include <map>

#include "gracepack/core/base/config.hpp"
#include "gracepack/core/base/text.hpp"

namespace gracepack {

std::string format_notice(const Notice& n) {
  return "GRACEPACK_CAUSE=" + std::string(to_string(n.cause)) +
         "\nGRACEPACK_NOTICE_TIME=" + std::to_string(n.notice_time) +
         "\nGRACEPACK_DEADLINE=" + std::to_string(n.deadline) +
         "\nGRACEPACK_SIGNAL=" + signal_name(n.signal) +
         "\nGRACEPACK_RESTART_COUNT=" + std::to_string(n.restart_count) +
         "\nGRACEPACK_MAX_REQUEUE=" + std::to_string(n.max_requeue) +
         "\nGRACEPACK_WILL_REQUEUE=" + (n.will_requeue ? "1" : "0") + "\n" +
         (n.preemption ? "GRACEPACK_PREEMPTION=" + std::to_string(n.preemption) + "\n"
                       : std::string()) +
         (n.requeue_qos.empty() ? std::string() : "GRACEPACK_REQUEUE_QOS=" + n.requeue_qos + "\n");
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
  const auto parsed_cause = cause ? parse_cause(*cause) : std::nullopt;
  const auto t = num("GRACEPACK_NOTICE_TIME", INT64_C(1) << 40);
  const auto d = num("GRACEPACK_DEADLINE", INT64_C(1) << 40);
  const auto sig = get("GRACEPACK_SIGNAL");
  const auto parsed_sig = sig ? parse_signal(*sig) : std::nullopt;
  const auto r = num("GRACEPACK_RESTART_COUNT", 65535);
  const auto m = num("GRACEPACK_MAX_REQUEUE", 65535);
  const auto w = get("GRACEPACK_WILL_REQUEUE");
  // Since issue 20: which preemption this is, and the QOS the job comes back in.
  const auto nth = get("GRACEPACK_PREEMPTION");
  const auto parsed_nth = nth ? text::parse_int(*nth, 1, 65535) : std::nullopt;
  const auto qos = get("GRACEPACK_REQUEUE_QOS");
  const bool qos_ok = !qos || is_qos_name(*qos);
  if (!parsed_cause || !t || !d || !parsed_sig || !r || !m || !w || (*w != "0" && *w != "1") ||
      (nth && !parsed_nth) || !qos_ok || kv.size() != 7 + (nth ? 1U : 0U) + (qos ? 1U : 0U)) {
    return fail("notice file: a field is missing, unknown or malformed");
  }
  n.cause = *parsed_cause;
  n.notice_time = static_cast<std::time_t>(*t);
  n.deadline = static_cast<std::time_t>(*d);
  n.signal = *parsed_sig;
  n.restart_count = static_cast<unsigned>(*r);
  n.max_requeue = static_cast<unsigned>(*m);
  n.will_requeue = *w == "1";
  n.preemption = parsed_nth ? static_cast<unsigned>(*parsed_nth) : 0;
  n.requeue_qos = qos.value_or("");
  return n;
}

Notice notice_for(const JobRecord& job, const PreemptRequest& request,
                  const RequeueBudgets& budgets, std::time_t now) {
  Notice n;
  n.cause = Cause::Preemption;
  n.notice_time = job.preempt_time ? job.preempt_time : now;
  n.deadline = job.end_time;
  n.signal = request.signal;
  n.restart_count = job.restart_count;
  n.max_requeue = requeue_cap(request, budgets);
  n.preemption = job.preemptions + 1;
  // As the job epilog will see it once the run has ended.
  JobRecord ended = job;
  ended.state = JobState::Preempted;
  const Decision d = decide_requeue(ended, request, budgets);
  n.will_requeue = d.requeue;
  n.requeue_qos = d.qos;
  if (!d.requeue && job.preemptions < n.max_requeue) n.not_why = d.reason;
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
  const unsigned before = n.preemption ? n.preemption - 1 : n.restart_count;
  if (n.will_requeue) {
    msg += "The job will be requeued afterwards (requeue " + std::to_string(before + 1) +
           " of max " + std::to_string(n.max_requeue) + " after preemption)";
    msg += n.requeue_qos.empty()
               ? "."
               : ", into the protected QOS " + n.requeue_qos + " (this is its preemption " +
                     std::to_string(n.preemption) + ").";
  } else {
    msg += "It will NOT be requeued: it was requeued after " + std::to_string(before) +
           " preemptions, the maximum is " + std::to_string(n.max_requeue) + ".";
    if (!n.not_why.empty()) msg += " (" + n.not_why + ")";
  }
  return msg;
}

}  // namespace gracepack
