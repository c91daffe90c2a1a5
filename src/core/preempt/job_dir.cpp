#include "gracepack/core/preempt/job_dir.hpp"

#include <array>
#include <map>
#include <utility>

#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

constexpr std::array<std::pair<WatchState, const char*>, 5> kStates{{
    {WatchState::None, "none"},
    {WatchState::Watching, "watching"},
    {WatchState::Waking, "waking"},
    {WatchState::Delivered, "delivered"},
    {WatchState::NotPreempted, "not_preempted"},
}};
constexpr std::int64_t kMaxTime = INT64_C(1) << 40;
// The longest text field of the status (a label, a note), before escaping.
constexpr std::size_t kMaxStatusText = 200;

using Fields = std::map<std::string, std::string, std::less<>>;

Result<Fields> key_values(std::string_view text, const char* what) {
  Fields kv;
  if (text.size() > 4096) return fail(std::string(what) + ": too large");
  for (auto line : text::split(text, '\n')) {
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail(std::string(what) + ": bad line '" + std::string(line) + "'");
    if (!kv.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1))).second)
      return fail(std::string(what) + ": " + std::string(line.substr(0, eq)) + " given twice");
  }
  return kv;
}

// Takes a field out of `kv`; what is left at the end is unknown and refused.
std::optional<std::string> take(Fields& kv, const char* key) {
  auto it = kv.find(key);
  if (it == kv.end()) return std::nullopt;
  std::string v = std::move(it->second);
  kv.erase(it);
  return v;
}

template <class T>
bool take_num(Fields& kv, const char* key, std::int64_t max, T& out, bool required) {
  auto v = take(kv, key);
  if (!v) return !required;
  auto n = text::parse_int(*v, 0, max);
  if (!n) return false;
  out = static_cast<T>(*n);
  return true;
}

template <class T>
bool take_opt(Fields& kv, const char* key, std::int64_t max, std::optional<T>& out) {
  auto v = take(kv, key);
  if (!v) return true;
  auto n = text::parse_int(*v, 0, max);
  if (!n) return false;
  out = static_cast<T>(*n);
  return true;
}

bool safe_name(std::string_view s) {
  return s.size() <= 64 &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
             std::string_view::npos;
}

}  // namespace

const char* to_string(WatchState s) {
  for (const auto& [state, name] : kStates) {
    if (state == s) return name;
  }
  return "none";
}

std::optional<WatchState> parse_watch_state(std::string_view s) {
  for (const auto& [state, name] : kStates) {
    if (s == name) return state;
  }
  return std::nullopt;
}

bool valid_run_nonce(std::string_view run) {
  return run.size() == 16 && run.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

RunMarker run_marker(std::uint32_t job, uid_t uid, gid_t gid, bool batch, std::time_t started,
                     std::string run) {
  RunMarker m;
  m.job = job;
  m.uid = uid;
  m.gid = gid;
  m.batch = batch;
  m.started = started;
  m.run = std::move(run);
  return m;
}

std::string format_run_marker(const RunMarker& m) {
  auto t = [](std::time_t v) { return std::to_string(static_cast<long long>(v)); };
  std::string out = "job=" + std::to_string(m.job) + "\nuid=" + std::to_string(m.uid) +
                    "\ngid=" + std::to_string(m.gid) + "\nbatch=" + (m.batch ? "1" : "0") +
                    "\nstarted=" + t(m.started) + "\nrun=" + m.run + "\n";
  if (m.array_job) out += "array_job=" + std::to_string(*m.array_job) + "\n";
  if (m.array_task) out += "array_task=" + std::to_string(*m.array_task) + "\n";
  if (!m.partition.empty() && safe_name(m.partition)) out += "partition=" + m.partition + "\n";
  if (m.script_exit) out += "script_exit=" + t(*m.script_exit) + "\n";
  if (m.script_status) out += "script_status=" + std::to_string(*m.script_status) + "\n";
  if (m.watcher_at_exit != WatchState::None)
    out += std::string("watcher_at_exit=") + to_string(m.watcher_at_exit) + "\n";
  return out;
}

Result<RunMarker> parse_run_marker(std::string_view text) {
  auto parsed = key_values(text, "run marker");
  if (!parsed) return parsed.error();
  Fields* kv = &*parsed;
  RunMarker m;
  std::string batch;
  const bool ok = take_num(*kv, "job", UINT32_MAX, m.job, true) && m.job > 0 &&
                  take_num(*kv, "uid", UINT32_MAX, m.uid, true) &&
                  take_num(*kv, "gid", UINT32_MAX, m.gid, true) &&
                  take_num(*kv, "started", kMaxTime, m.started, true) &&
                  take_opt(*kv, "array_job", UINT32_MAX, m.array_job) &&
                  take_opt(*kv, "array_task", UINT32_MAX, m.array_task) &&
                  take_opt(*kv, "script_exit", kMaxTime, m.script_exit) &&
                  take_opt(*kv, "script_status", INT32_MAX, m.script_status);
  auto b = take(*kv, "batch");
  auto run = take(*kv, "run");
  auto part = take(*kv, "partition");
  auto watcher = take(*kv, "watcher_at_exit");
  if (!ok || !b || (*b != "0" && *b != "1") || !run || !valid_run_nonce(*run) ||
      (part && !safe_name(*part)) || !kv->empty()) {
    return fail("run marker: a field is missing, unknown or malformed");
  }
  m.batch = *b == "1";
  m.run = *run;
  if (part) m.partition = *part;
  if (watcher) {
    auto w = parse_watch_state(*watcher);
    if (!w) return fail("run marker: bad watcher_at_exit");
    m.watcher_at_exit = *w;
  }
  return m;
}

bool same_run(const RunMarker& m, std::uint32_t job, uid_t uid, std::string_view run) {
  return m.job == job && m.uid == uid && (m.batch || m.run == run);
}

bool marker_predates(const RunMarker& m, std::time_t run_start) {
  // The batch step starts after slurmctld's start time; a few seconds of slack for clocks.
  return run_start && m.started + 5 < run_start;
}

std::string format_watcher_status(const WatcherStatus& s) {
  auto t = [](std::time_t v) { return std::to_string(static_cast<long long>(v)); };
  std::string out =
      "run=" + s.run + "\nstate=" + to_string(s.state) + "\nsince=" + t(s.since) + "\n";
  if (s.state == WatchState::Delivered) {
    out += "delivered=" + t(s.delivered) + "\nsignalled=" + std::to_string(s.signalled) +
           "\ntargets=" + std::to_string(s.targets) + "\npreempt_time=" + t(s.preempt_time) + "\n";
    if (s.deadline) out += "deadline=" + t(s.deadline) + "\n";
  }
  if (s.start_time) out += "start_time=" + t(s.start_time) + "\n";
  if (s.restart) out += "restart=" + std::to_string(s.restart) + "\n";
  if (s.state == WatchState::NotPreempted) out += std::string("cause=") + to_string(s.cause) + "\n";
  if (s.ack) out += "ack=" + t(s.ack) + "\n";
  if (!s.ack_label.empty())
    out += "ack_label=" + text::printable(s.ack_label, kMaxStatusText) + "\n";
  if (s.ack_window) out += "ack_window=" + t(s.ack_window) + "\n";
  if (!s.ack_note.empty()) out += "ack_note=" + text::printable(s.ack_note, kMaxStatusText) + "\n";
  if (s.returned) out += "returned=" + t(s.returned) + "\n";
  if (s.ack_watch) out += "ack_watch=" + std::to_string(s.ack_watch) + "\n";
  return out;
}

Result<WatcherStatus> parse_watcher_status(std::string_view text) {
  auto parsed = key_values(text, "watcher status");
  if (!parsed) return parsed.error();
  Fields* kv = &parsed.value();
  WatcherStatus s;
  auto run = take(*kv, "run");
  auto state = take(*kv, "state");
  std::optional<WatchState> watch;
  if (state) watch = parse_watch_state(*state);
  if (!run || !valid_run_nonce(*run) || !watch || *watch == WatchState::None)
    return fail("watcher status: run or state missing or malformed");
  s.run = *run;
  s.state = *watch;
  const bool delivered = s.state == WatchState::Delivered;
  bool ok = take_num(*kv, "since", kMaxTime, s.since, true) &&
            take_num(*kv, "delivered", kMaxTime, s.delivered, delivered) &&
            take_num(*kv, "signalled", 1000000, s.signalled, delivered) &&
            take_num(*kv, "targets", 1000000, s.targets, false) &&
            take_num(*kv, "preempt_time", kMaxTime, s.preempt_time, delivered) &&
            take_num(*kv, "deadline", kMaxTime, s.deadline, false) &&
            take_num(*kv, "start_time", kMaxTime, s.start_time, false) &&
            take_num(*kv, "restart", 65535, s.restart, false) &&
            take_num(*kv, "ack", kMaxTime, s.ack, false) &&
            take_num(*kv, "ack_window", kMaxTime, s.ack_window, false) &&
            take_num(*kv, "returned", kMaxTime, s.returned, false) &&
            take_num(*kv, "ack_watch", 2, s.ack_watch, false);
  for (auto [key, field] : {std::pair{"ack_label", &s.ack_label}, {"ack_note", &s.ack_note}}) {
    if (auto v = take(*kv, key)) {
      // Escaped (up to 4 bytes a byte) and cut with a note of what was left out.
      ok = ok && !v->empty() && v->size() <= 4 * kMaxStatusText + 64 && text::is_printable(*v);
      *field = *v;
    }
  }
  if (auto cause = take(*kv, "cause")) {
    auto c = parse_cause(*cause);
    ok = ok && c && s.state == WatchState::NotPreempted;
    if (c) s.cause = *c;
  } else if (s.state == WatchState::NotPreempted) {
    ok = false;
  }
  if (!ok || !kv->empty()) return fail("watcher status: a field is missing, unknown or malformed");
  return s;
}

}  // namespace gracepack
