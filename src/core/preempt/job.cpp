#include "gracepack/core/preempt/job.hpp"

#include <array>
#include <cctype>
#include <map>
#include <utility>

#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

constexpr std::array<std::pair<JobState, const char*>, 11> kStates{{
    {JobState::Pending, "PENDING"},
    {JobState::Running, "RUNNING"},
    {JobState::Suspended, "SUSPENDED"},
    {JobState::Complete, "COMPLETED"},
    {JobState::Cancelled, "CANCELLED"},
    {JobState::Failed, "FAILED"},
    {JobState::Timeout, "TIMEOUT"},
    {JobState::NodeFail, "NODE_FAIL"},
    {JobState::Preempted, "PREEMPTED"},
    {JobState::OutOfMemory, "OUT_OF_MEMORY"},
    {JobState::Other, "OTHER"},
}};

constexpr std::int64_t kMaxTime = INT64_C(1) << 40;

// Names of partitions and hosts are Slurm's; a line break would end the field.
bool printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return s.size() <= 256;
}

// "a100:2,v100:1": type names as Slurm allows them, counts.
bool gpu_types_ok(std::string_view s) {
  if (s.size() > 256) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != ':' && c != ',' && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace

const char* to_string(JobState s) {
  for (const auto& [state, name] : kStates) {
    if (state == s) return name;
  }
  return "OTHER";
}

std::optional<JobState> parse_job_state(std::string_view s) {
  for (const auto& [state, name] : kStates) {
    if (s == name) return state;
  }
  return std::nullopt;
}

std::string format_job_record(const JobRecord& r) {
  auto t = [](std::time_t v) { return std::to_string(static_cast<long long>(v)); };
  std::string out = "job_id=" + std::to_string(r.job_id) + "\n";
  if (r.array_job_id) out += "array_job_id=" + std::to_string(*r.array_job_id) + "\n";
  if (r.array_task_id) out += "array_task_id=" + std::to_string(*r.array_task_id) + "\n";
  out += "user=" + std::to_string(r.user) + "\nstate=" + to_string(r.state) +
         "\nrequeued_by_slurm=" + (r.requeued_by_slurm ? "1" : "0") +
         "\nrequeue_allowed=" + (r.requeue_allowed ? "1" : "0") +
         "\nbatch=" + (r.batch ? "1" : "0") + "\nstart_time=" + t(r.start_time) +
         "\nend_time=" + t(r.end_time) + "\npreempt_time=" + t(r.preempt_time) +
         "\nsuspend_time=" + t(r.suspend_time) +
         "\nrestart_count=" + std::to_string(r.restart_count) +
         "\npartition=" + (printable(r.partition) ? r.partition : "?") +
         "\nbatch_host=" + (printable(r.batch_host) ? r.batch_host : "?") + "\n";
  // Whatever was read is written back (parse(format(r)) == r); slurmctld's gives all four.
  if (!(r.alloc == Allocation{})) {
    out += "alloc_nodes=" + std::to_string(r.alloc.nodes) +
           "\nalloc_cpus=" + std::to_string(r.alloc.cpus) +
           "\nalloc_gpus=" + std::to_string(r.alloc.gpus) +
           "\nalloc_gpu_types=" + (gpu_types_ok(r.alloc.gpu_types) ? r.alloc.gpu_types : "") + "\n";
  }
  if (!r.qos.empty() && printable(r.qos)) out += "qos=" + r.qos + "\n";
  if (!r.account.empty() && printable(r.account)) out += "account=" + r.account + "\n";
  if (r.preemptions) out += "preemptions=" + std::to_string(r.preemptions) + "\n";
  return out;
}

Result<JobRecord> parse_job_record(std::string_view text) {
  JobRecord r;
  std::map<std::string, std::string, std::less<>> kv;
  for (auto line : text::split(text, '\n')) {
    if (line.empty()) continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail("job record: bad line '" + std::string(line) + "'");
    if (!kv.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1))).second)
      return fail("job record: " + std::string(line.substr(0, eq)) + " given twice");
  }
  bool have_id = false, have_state = false;
  for (const auto& field : kv) {
    // Named copies: clang 14 does not let lambdas capture structured bindings.
    const std::string& key = field.first;
    const std::string& value = field.second;
    auto num = [&](std::int64_t max) { return text::parse_int(value, 0, max); };
    auto flag = [&]() -> std::optional<bool> {
      if (value == "0" || value == "1") return value == "1";
      return std::nullopt;
    };
    bool ok = true;
    if (key == "job_id") {
      auto n = num(UINT32_MAX);
      ok = n && *n > 0;
      if (ok) r.job_id = static_cast<std::uint32_t>(*n), have_id = true;
    } else if (key == "array_job_id" || key == "array_task_id") {
      auto n = num(UINT32_MAX);
      ok = n.has_value();
      if (ok)
        (key == "array_job_id" ? r.array_job_id : r.array_task_id) = static_cast<std::uint32_t>(*n);
    } else if (key == "user") {
      auto n = num(UINT32_MAX);
      ok = n.has_value();
      if (ok) r.user = static_cast<uid_t>(*n);
    } else if (key == "state") {
      auto s = parse_job_state(value);
      ok = s.has_value();
      if (ok) r.state = *s, have_state = true;
    } else if (key == "requeued_by_slurm" || key == "requeue_allowed" || key == "batch") {
      auto b = flag();
      ok = b.has_value();
      if (ok)
        (key == "batch"             ? r.batch
         : key == "requeue_allowed" ? r.requeue_allowed
                                    : r.requeued_by_slurm) = *b;
    } else if (key == "start_time" || key == "end_time" || key == "preempt_time" ||
               key == "suspend_time") {
      auto n = num(kMaxTime);
      ok = n.has_value();
      if (ok) {
        auto& when = key == "start_time"     ? r.start_time
                     : key == "end_time"     ? r.end_time
                     : key == "preempt_time" ? r.preempt_time
                                             : r.suspend_time;
        when = static_cast<std::time_t>(*n);
      }
    } else if (key == "restart_count") {
      auto n = num(UINT32_MAX);
      ok = n.has_value();
      if (ok) r.restart_count = static_cast<unsigned>(*n);
    } else if (key == "alloc_nodes" || key == "alloc_cpus" || key == "alloc_gpus") {
      auto n = num(UINT32_MAX);
      ok = n.has_value();
      if (ok)
        (key == "alloc_nodes"  ? r.alloc.nodes
         : key == "alloc_cpus" ? r.alloc.cpus
                               : r.alloc.gpus) = static_cast<unsigned>(*n);
    } else if (key == "alloc_gpu_types") {
      ok = gpu_types_ok(value);
      if (ok) r.alloc.gpu_types = value;
    } else if (key == "preemptions") {
      auto n = num(65535);
      ok = n.has_value();
      if (ok) r.preemptions = static_cast<unsigned>(*n);
    } else if (key == "qos" || key == "account") {
      ok = printable(value) && !value.empty();
      if (ok) (key == "qos" ? r.qos : r.account) = value;
    } else if (key == "partition" || key == "batch_host") {
      ok = printable(value);
      if (ok) (key == "partition" ? r.partition : r.batch_host) = value;
    } else {
      return fail("job record: unknown field '" + key + "'");
    }
    if (!ok) return fail("job record: bad value for " + key + ": '" + value + "'");
  }
  if (!have_id || !have_state) return fail("job record: job_id and state are required");
  if (r.array_job_id.has_value() != r.array_task_id.has_value())
    return fail("job record: array_job_id and array_task_id go together");
  return r;
}

std::string requeue_id(const JobRecord& r) {
  if (r.array_job_id && r.array_task_id)
    return std::to_string(*r.array_job_id) + "_" + std::to_string(*r.array_task_id);
  return std::to_string(r.job_id);
}

namespace {

bool mark_separator(char c) {
  return c == ' ' || c == ',' || c == ';' || c == '\t';
}

// Where the mark's word starts and ends in `c`; npos where there is none.
std::pair<std::size_t, std::size_t> find_mark(std::string_view c) {
  const std::string_view mark = kPreemptionMark;
  std::size_t at = 0;
  while ((at = c.find(mark, at)) != std::string_view::npos) {
    if (at == 0 || mark_separator(c[at - 1])) {
      std::size_t end = at + mark.size();
      while (end < c.size() && !mark_separator(c[end])) ++end;
      return {at, end};
    }
    at += mark.size();
  }
  return {std::string_view::npos, std::string_view::npos};
}

}  // namespace

unsigned preemptions_in(std::string_view admin_comment) {
  const auto [at, end] = find_mark(admin_comment);
  if (at == std::string_view::npos) return 0;
  const std::size_t from = at + std::string_view(kPreemptionMark).size();
  auto n = text::parse_int(admin_comment.substr(from, end - from), 0, 65535);
  return n ? static_cast<unsigned>(*n) : 0;
}

std::string with_preemptions(std::string_view admin_comment, unsigned n) {
  const std::string word = kPreemptionMark + std::to_string(n);
  const auto [at, end] = find_mark(admin_comment);
  if (at == std::string_view::npos) {
    if (admin_comment.empty()) return word;
    return std::string(admin_comment) + " " + word;
  }
  return std::string(admin_comment.substr(0, at)) + word + std::string(admin_comment.substr(end));
}

}  // namespace gracepack
