#include "gracepack/core/base/options.hpp"

#include <csignal>
#include <cstring>
#include <utility>

#include "gracepack/core/base/text.hpp"

namespace gracepack {
namespace {

// Slurm hands a valueless sbatch option to the job's srun steps as the literal "(null)".
bool no_value(std::string_view v) {
  return v.empty() || v == "(null)";
}

constexpr std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"USR1", SIGUSR1},
    {"USR2", SIGUSR2}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CONT", SIGCONT},
    {"URG", SIGURG},   {"XCPU", SIGXCPU}, {"WINCH", SIGWINCH}, {"PWR", SIGPWR},
};

const char kPackUsage[] =
    "accepted: a number of tasks per GPU (1-64), 'off', and 'verbose', "
    "e.g. --pack-gpus, --pack-gpus=2, --pack-gpus=2,verbose, --pack-gpus=off";

const char kPreemptUsage[] =
    "accepted: comma-separated items signal=NAME (TERM, USR1, USR2, INT, HUP, ...), "
    "max=N (0-1000 requeues after preemption), max_other=N (0-1000 requeues for other causes), "
    "timelimit, notice=PATH (a copy of the notice for containers), "
    "checkpoint=PATH (the file the job touches when a checkpoint is durable), return_grace "
    "(end and requeue the run at a checkpoint inside the grace window); "
    "e.g. --preempt-requeue=signal=USR1,max=3";

// Why `path` cannot name the notice copy, or "" when it can.
std::string notice_copy_problem(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.size() > kMaxNoticeCopy) return "is longer than 512 bytes";
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c < 0x20 || c == 0x7f) return "holds a control character";
    if (c != '%') continue;
    if (i + 1 < path.size() && (path[i + 1] == 'j' || path[i + 1] == '%')) {
      ++i;
      continue;
    }
    return "holds a '%' other than %j (the job id) or %%";
  }
  if (path.back() == '/') return "names a directory, not a file";
  const auto slash = path.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (last == "." || last == "..") return "names a directory, not a file";
  return "";
}

// A job's file named by a SPEC key (notice=, checkpoint=): "%j" replaced, relative to `cwd`.
Result<std::string> resolve_job_file(std::string_view key, std::string_view spec, std::uint32_t job,
                                     std::string_view cwd) {
  const std::string shown = std::string(key) + "=" + text::printable(spec);
  if (auto why = notice_copy_problem(spec); !why.empty())
    return fail(shown + ": the file name " + why);
  std::string out;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == '%' && i + 1 < spec.size()) {
      out += spec[i + 1] == 'j' ? std::to_string(job) : "%";
      ++i;
    } else {
      out += spec[i];
    }
  }
  if (out[0] != '/') {
    if (cwd.empty() || cwd[0] != '/')
      return fail(shown + ": a relative name needs the job's working directory, which is unknown");
    out = std::string(cwd) + (cwd.back() == '/' ? "" : "/") + out;
  }
  if (out.size() >= 4096) return fail(shown + ": the name is too long");
  return out;
}

}  // namespace

Result<std::string> resolve_notice_copy(std::string_view spec, std::uint32_t job,
                                        std::string_view cwd) {
  return resolve_job_file("notice", spec, job, cwd);
}

Result<std::string> resolve_checkpoint(std::string_view spec, std::uint32_t job,
                                       std::string_view cwd) {
  return resolve_job_file("checkpoint", spec.empty() ? kDefaultCheckpoint : spec, job, cwd);
}

std::optional<int> parse_signal(std::string_view s) {
  if (s.substr(0, 3) == "SIG") s.remove_prefix(3);
  for (const auto& [name, num] : kSignals) {
    if (s == name) return num;
  }
  if (auto n = text::parse_int(s, 1, 64)) {
    // SIGKILL and SIGSTOP cannot be caught: a notice nobody can handle is no notice.
    if (*n != SIGKILL && *n != SIGSTOP) return static_cast<int>(*n);
  }
  return std::nullopt;
}

std::string signal_name(int sig) {
  for (const auto& [name, num] : kSignals) {
    if (num == sig) return name;
  }
  return std::to_string(sig);
}

Result<PackRequest> parse_pack_gpus(std::string_view value) {
  PackRequest r;
  if (no_value(value)) return r;
  const std::string shown = "--pack-gpus=" + std::string(value);
  bool have_count = false;
  for (std::string_view item : text::split(value, ',')) {
    if (item == "off") {
      r.off = true;
    } else if (item == "verbose" || item == "v") {
      r.verbose = true;
    } else if (auto n = text::parse_int(item, 1, kMaxTasksPerGpu)) {
      if (have_count)
        return fail(shown + ": the number of tasks per GPU is given twice; " + kPackUsage);
      r.per_gpu = static_cast<unsigned>(*n);
      have_count = true;
    } else if (text::parse_int(item, 0, 1000000000)) {
      return fail(shown + ": '" + std::string(item) + "' tasks per GPU is out of range; " +
                  kPackUsage);
    } else {
      return fail(shown + ": '" + std::string(item) + "' is not understood; " + kPackUsage);
    }
  }
  if (r.off && (have_count || r.verbose)) {
    return fail(shown + ": 'off' cannot be combined with other items; " + kPackUsage);
  }
  return r;
}

Result<PreemptRequest> parse_preempt_requeue(std::string_view value) {
  PreemptRequest r;
  if (no_value(value)) return r;
  const std::string shown = "--preempt-requeue=" + std::string(value);
  for (std::string_view item : text::split(value, ',')) {
    const auto eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    const std::string_view arg = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    if (key == "signal" || key == "sig") {
      auto sig = parse_signal(arg);
      if (!sig) {
        return fail(shown + ": '" + std::string(arg) +
                    "' is not a signal that a program can catch; " + kPreemptUsage);
      }
      r.signal = *sig;
    } else if (key == "max") {
      auto n = text::parse_int(arg, 0, kMaxUserRequeue);
      if (!n)
        return fail(shown + ": max='" + std::string(arg) + "' is not 0-1000; " + kPreemptUsage);
      r.max_requeue = static_cast<unsigned>(*n);
    } else if (key == "max_other") {
      auto n = text::parse_int(arg, 0, kMaxUserRequeue);
      if (!n)
        return fail(shown + ": max_other='" + std::string(arg) + "' is not 0-1000; " +
                    kPreemptUsage);
      r.max_other = static_cast<unsigned>(*n);
    } else if (key == "timelimit" && eq == std::string_view::npos) {
      r.on_timelimit = true;
    } else if (key == "notice" && eq != std::string_view::npos) {
      if (auto why = notice_copy_problem(arg); !why.empty())
        return fail(shown + ": notice='" + text::printable(arg) + "': the file name " + why + "; " +
                    kPreemptUsage);
      r.notice_copy = std::string(arg);
    } else if (key == "checkpoint" && eq != std::string_view::npos) {
      if (auto why = notice_copy_problem(arg); !why.empty())
        return fail(shown + ": checkpoint='" + text::printable(arg) + "': the file name " + why +
                    "; " + kPreemptUsage);
      r.checkpoint = std::string(arg);
    } else if (key == "return_grace" && eq == std::string_view::npos) {
      r.return_grace = true;
    } else {
      return fail(shown + ": '" + std::string(item) + "' is not understood; " + kPreemptUsage);
    }
  }
  return r;
}

std::string to_value(const PackRequest& r) {
  if (r.off) return "off";
  std::string v = std::to_string(r.per_gpu);
  if (r.verbose) v += ",verbose";
  return v;
}

std::string to_value(const PreemptRequest& r) {
  std::string v = "signal=" + signal_name(r.signal);
  if (r.max_requeue) v += ",max=" + std::to_string(*r.max_requeue);
  if (r.max_other) v += ",max_other=" + std::to_string(*r.max_other);
  if (r.on_timelimit) v += ",timelimit";
  if (!r.notice_copy.empty()) v += ",notice=" + r.notice_copy;
  if (!r.checkpoint.empty()) v += ",checkpoint=" + r.checkpoint;
  if (r.return_grace) v += ",return_grace";
  return v;
}

}  // namespace gracepack
