// gracepack-report: a job's story and a cluster's balance, from gracepack's audit log. The
// logic is in the core (report*.hpp); this file parses the command line, streams the log files
// through it, checks who may see what, and writes the output.
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/base/text.hpp"
#include "gracepack/core/report/job.hpp"
#include "gracepack/core/report/report.hpp"
#include "gracepack/core/report/summary.hpp"
#include "gracepack/core/report/svg.hpp"
#include "gracepack/core/report/time.hpp"
#include "gracepack/os/files.hpp"

namespace {

using namespace gracepack;
using namespace gracepack::report;

constexpr int kExitOk = 0, kExitNoRecord = 1, kExitUsage = 2, kExitIo = 3, kExitNotYours = 4;
constexpr const char* kDefaultLog = "/var/log/slurm/gracepack-audit.jsonl";
constexpr std::size_t kBlock = 1 << 20;    // read size
constexpr std::size_t kMaxLine = 1 << 20;  // a longer line is skipped, not held
constexpr std::uint64_t kMessagesPerFile = 10;

const char kUsage[] =
    "usage: gracepack-report JOBID [--log FILE]... [--json] [--svg FILE] [--utc]\n"
    "       gracepack-report --summary [--since DATE] [--until DATE] [--user U] [--partition P]\n"
    "                        [--log FILE]... [--json | --openmetrics | --prometheus] [--svg FILE]\n"
    "                        [--alert-preemptions N]\n"
    "\n"
    "JOBID (42, or 100_7 for an array task): the job's runs as a timeline: start, checkpoints\n"
    "acknowledged, grace period, notice, the batch script's end, the deadline, the requeue\n"
    "decision and its delay; the work each run lost and the grace it handed back.\n"
    "--summary: per partition and user, runs, preemptions, notices and their latency (median,\n"
    "p95), GPU- and CPU-hours lost, runs whose loss is unknown, grace handed back, preempted runs\n"
    "that ended before the deadline or were killed at it, requeues, caps, and run-hours\n"
    "preempted; requeues by cause (preemption or other), moves into the protected QOS, the\n"
    "most preemptions of one job, and the jobs preempted more than N times.\n"
    "\n"
    "  --log FILE       an audit log; repeat it for one log per node\n"
    "                   (default /var/log/slurm/gracepack-audit.jsonl)\n"
    "  --json           JSON instead of text\n"
    "  --openmetrics    the summary's counters in the OpenMetrics 1.0 text format\n"
    "  --prometheus     the same in the Prometheus text format 0.0.4 (node_exporter's textfile\n"
    "                   collector)\n"
    "  --svg FILE       also draw the job's timeline, or the summary's grace-window histogram\n"
    "  --since DATE     records written at or after DATE: 2026-11-30, 2026-11-30T08:00[:SS],\n"
    "                   a final Z for UTC (else local time), or @EPOCH\n"
    "  --until DATE     records written before DATE\n"
    "  --user U         one user (name or uid); --partition P: one partition\n"
    "  --alert-preemptions N\n"
    "                   count the jobs preempted more than N times (default 3): a column, a\n"
    "                   JSON field and the gauge gracepack_jobs_preempted_over_threshold\n"
    "  --utc            print times in UTC (default: local time)\n"
    "\n"
    "Users see their own jobs only; root and the owner of the log files see every job.\n"
    "Unreadable lines are reported on stderr with their line number and skipped.\n"
    "\n"
    "exit status: 0 done; 1 no record of JOBID; 2 usage; 3 a log file or the output could not\n"
    "be read or written (the report covers what could); 4 JOBID is another user's job\n";

struct Options {
  std::optional<JobSelector> job;
  bool summary = false;
  std::vector<std::string> logs;
  SummaryFilter filter;
  std::string since, until;
  bool json = false, utc = false, help = false;
  std::optional<MetricsFormat> metrics;
  std::string svg;
  std::optional<std::uint32_t> alert_preemptions;
};

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "gracepack-report: %s (gracepack-report --help says more)\n", msg.c_str());
  return kExitUsage;
}

void warn(const std::string& msg) {
  std::fprintf(stderr, "gracepack-report: %s\n", msg.c_str());
}

std::string errno_text() {
  return std::strerror(errno);
}

// --since/--until: local civil time as `date` would read it, unless it ends in Z.
Result<std::int64_t> epoch_of(const std::string& arg) {
  auto d = parse_date(arg);
  if (!d) return d.error();
  if (d->epoch) return *d->epoch;
  if (d->utc) return epoch_from_utc(d->civil);
  std::tm tm{};
  tm.tm_year = d->civil.year - 1900, tm.tm_mon = d->civil.month - 1, tm.tm_mday = d->civil.day;
  tm.tm_hour = d->civil.hour, tm.tm_min = d->civil.minute, tm.tm_sec = d->civil.second;
  tm.tm_isdst = -1;
  const std::time_t t = std::mktime(&tm);
  if (t == -1) return fail("'" + arg + "': not a local time");
  return static_cast<std::int64_t>(t);
}

std::string local_time(std::int64_t t) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  char buf[32];
  if (!localtime_r(&tt, &tm) || !std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm))
    return format_utc(t);
  return buf;
}

enum OptionId {
  kLog = 1000,
  kSummary,
  kSince,
  kUntil,
  kUser,
  kPartition,
  kJson,
  kOpenMetrics,
  kPrometheus,
  kSvg,
  kUtc,
  kAlertPreemptions,
  kHelp
};

Status set_option(int id, const char* arg, Options& o) {
  switch (id) {
    case kLog:
      o.logs.emplace_back(arg);
      break;
    case kSummary:
      o.summary = true;
      break;
    case kSince:
      o.since = arg;
      break;
    case kUntil:
      o.until = arg;
      break;
    case kUser:
      o.filter.user = arg;
      break;
    case kPartition:
      o.filter.partition = arg;
      break;
    case kJson:
      o.json = true;
      break;
    case kOpenMetrics:
    case kPrometheus:
      if (o.metrics) return fail("give one of --openmetrics and --prometheus");
      o.metrics = id == kOpenMetrics ? MetricsFormat::OpenMetrics : MetricsFormat::PrometheusText;
      break;
    case kSvg:
      o.svg = arg;
      break;
    case kUtc:
      o.utc = true;
      break;
    case kAlertPreemptions: {
      const auto n = text::parse_int(arg, 0, 0xFFFFFFFE);
      if (!n)
        return fail("--alert-preemptions: '" + std::string(arg) + "' is not a number of times");
      o.alert_preemptions = static_cast<std::uint32_t>(*n);
      break;
    }
    default:
      return fail("unknown option");
  }
  return Ok{};
}

// The combinations that make sense, and the dates as epoch seconds.
Status check_options(Options& o) {
  if (o.summary == o.job.has_value()) return fail("give a JOBID or --summary");
  if (o.job && (!o.since.empty() || !o.until.empty() || !o.filter.user.empty() ||
                !o.filter.partition.empty() || o.metrics || o.alert_preemptions))
    return fail(
        "--since, --until, --user, --partition, --alert-preemptions and the metrics go with "
        "--summary");
  if (o.json && o.metrics)
    return fail("give one of --json and --" + std::string(o.metrics == MetricsFormat::OpenMetrics
                                                              ? "openmetrics"
                                                              : "prometheus"));
  for (auto [arg, out] : {std::pair{&o.since, &o.filter.since}, {&o.until, &o.filter.until}}) {
    if (arg->empty()) continue;
    auto t = epoch_of(*arg);
    if (!t) return t.error();
    *out = *t;
  }
  if (o.logs.empty()) o.logs.emplace_back(kDefaultLog);
  return Ok{};
}

Result<Options> parse_args(int argc, char** argv) {
  static const option longopts[] = {
      {"log", required_argument, nullptr, kLog},
      {"summary", no_argument, nullptr, kSummary},
      {"since", required_argument, nullptr, kSince},
      {"until", required_argument, nullptr, kUntil},
      {"user", required_argument, nullptr, kUser},
      {"partition", required_argument, nullptr, kPartition},
      {"json", no_argument, nullptr, kJson},
      {"openmetrics", no_argument, nullptr, kOpenMetrics},
      {"prometheus", no_argument, nullptr, kPrometheus},
      {"svg", required_argument, nullptr, kSvg},
      {"utc", no_argument, nullptr, kUtc},
      {"alert-preemptions", required_argument, nullptr, kAlertPreemptions},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0}};
  Options o;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
    if (c == kHelp) {
      o.help = true;
      return o;
    }
    if (c == '?') return fail(std::string("unknown option or missing value: ") + argv[optind - 1]);
    if (auto st = set_option(c, optarg, o); !st) return st.error();
  }
  for (; optind < argc; ++optind) {
    if (o.job) return fail(std::string("unexpected argument '") + argv[optind] + "'");
    auto job = parse_job_selector(argv[optind]);
    if (!job) return job.error();
    o.job = *job;
  }
  if (auto st = check_options(o); !st) return st.error();
  return o;
}

struct FileDescriptor {
  explicit FileDescriptor(int f) : fd(f) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

// Streams one log through `sink`, line by line, in blocks: memory does not grow with the file.
// Unreadable lines go to stderr (the first few of each file) and are counted as skipped.
// read(), not mmap: a log truncated under a mapping (logrotate's copytruncate) would kill the
// report with SIGBUS.
template <class Sink>
Status read_log(const std::string& path, bool keep_text, ReadStats& stats, Sink&& sink) {
  // Never blocking on a FIFO or a device (a cron job as root would hang): a regular file only.
  const FileDescriptor file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  const int fd = file.fd;
  if (fd < 0) return fail(path + ": " + errno_text());
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))
    return fail(path + ": not a regular file (decompress or copy a log into a file first)");
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint for the read-ahead
  AuditLineParser parser(keep_text);
  AuditLine record;
  LineSplitter lines(kMaxLine);
  std::uint64_t skipped = 0;
  const auto on_line = [&](std::string_view line, std::uint64_t number, bool too_long) {
    if (!too_long && text::trim(line).empty()) return;  // a blank line says nothing
    Status st = too_long ? Status(fail("longer than " + std::to_string(kMaxLine) + " bytes"))
                         : parser.parse(line, record);
    if (st) return sink(record);
    if (++skipped <= kMessagesPerFile)
      warn(path + ":" + std::to_string(number) + ": skipped: " + st.error().message);
  };
  std::vector<char> block(kBlock);
  for (;;) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(path + ": " + errno_text());
    if (n == 0) break;
    lines.feed(std::string_view(block.data(), static_cast<std::size_t>(n)), on_line);
  }
  lines.finish(on_line);
  if (skipped > kMessagesPerFile)
    warn(path + ": " + std::to_string(skipped - kMessagesPerFile) + " more lines skipped");
  ++stats.files;
  stats.lines += lines.lines();
  stats.skipped += skipped;
  return Ok{};
}

// Reads every log; a file that cannot be read is reported and the others still are.
template <class Sink>
bool read_logs(const Options& o, ReadStats& stats, Sink&& sink) {
  bool all = true;
  for (const auto& path : o.logs) {
    if (auto st = read_log(path, o.job.has_value(), stats, sink); !st) {
      warn(st.error().message);
      all = false;
    }
  }
  return all;
}

// Root, and whoever owns every log (the records are theirs anyway), may see every user's.
bool is_admin(const Options& o) {
  if (::getuid() == 0) return true;
  for (const auto& path : o.logs) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || st.st_uid != ::getuid()) return false;
  }
  return true;
}

// Written as a new file renamed into place: never through a link planted at `path` (the report
// runs as root from cron), never into a FIFO, and nobody reads half a drawing.
bool write_file(const std::string& path, const std::string& data) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  const FileDescriptor d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd < 0 || name.empty()) return warn(path + ": " + errno_text()), false;
  struct stat st {};
  if (::fstatat(d.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
    return warn(path + ": exists and is not a regular file; not written"), false;
  if (auto r = os::write_file_atomically(d.fd, name, data, 0644); !r)
    return warn(path + ": " + r.error().message), false;
  return true;
}

bool write_stdout(const std::string& data) {
  if (std::fwrite(data.data(), 1, data.size(), stdout) == data.size() && std::fflush(stdout) == 0)
    return true;
  warn(std::string("standard output: ") + errno_text());
  return false;
}

std::string log_names(const Options& o) {
  return text::join(o.logs, ", ");
}

int no_record(const Options& o, const JobHistory& history) {
  std::string msg = "job " + o.job->name() + ": no record in " + log_names(o);
  if (!history.array_tasks().empty()) {
    std::vector<std::string> tasks;
    for (auto t : history.array_tasks()) {
      if (tasks.size() == 5) break;
      tasks.push_back(o.job->name() + "_" + std::to_string(t));
    }
    msg += " (it is an array: name a task, e.g. " + text::join(tasks, ", ") + ")";
  } else if (o.logs.size() == 1) {
    msg += " (the job's batch host writes its record: with one log per node, give each with --log)";
  }
  warn(msg);
  return kExitNoRecord;
}

int run_job(const Options& o, const TimeFormatter& when) {
  JobHistory history(*o.job);
  ReadStats stats;
  const bool all_read = read_logs(o, stats, [&](const AuditLine& r) { history.add(r); });
  if (history.empty()) return all_read ? no_record(o, history) : kExitIo;
  const auto me = static_cast<std::int64_t>(::getuid());
  for (const AuditLine& r : history.records()) {
    if (r.uid == me || is_admin(o)) continue;
    warn("job " + o.job->name() + " is uid " + std::to_string(r.uid) +
         "'s: only root or the owner of the audit log may see another user's job");
    return kExitNotYours;
  }
  const auto runs = history.runs();
  bool ok =
      write_stdout(o.json ? format_job_json(*o.job, runs) : format_timeline(*o.job, runs, when));
  if (!o.svg.empty()) ok = write_file(o.svg, svg_timeline(*o.job, runs, when)) && ok;
  return ok && all_read ? kExitOk : kExitIo;
}

int run_summary(Options o) {
  if (!is_admin(o)) o.filter.only_uid = static_cast<std::int64_t>(::getuid());
  Summary summary(o.filter, o.alert_preemptions.value_or(Summary::kDefaultAlertPreemptions));
  ReadStats stats;
  const bool all_read = read_logs(o, stats, [&](const AuditLine& r) { summary.add(r); });
  const std::string out = o.metrics ? format_metrics(summary, stats, *o.metrics)
                          : o.json  ? format_json(summary, stats)
                                    : format_table(summary, stats);
  bool ok = write_stdout(out);
  if (!o.svg.empty()) {
    const std::string title =
        "Grace window used" +
        (o.filter.partition.empty() ? "" : ", partition " + o.filter.partition) +
        (o.filter.user.empty() ? "" : ", user " + o.filter.user);
    ok = write_file(o.svg, svg_window_histogram(summary.total(), title)) && ok;
  }
  return ok && all_read ? kExitOk : kExitIo;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_args(argc, argv);
  if (!options) return usage_error(options.error().message);
  if (options->help) return std::fputs(kUsage, stdout) < 0 ? kExitIo : kExitOk;
  if (options->summary) return run_summary(*options);
  const TimeFormatter when = options->utc ? TimeFormatter(format_utc) : TimeFormatter(local_time);
  return run_job(*options, when);
}
