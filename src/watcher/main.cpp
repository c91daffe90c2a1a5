// gracepack-watcher: lives in a --preempt-requeue job's batch step, as the job's user with no
// capabilities, started (detached) by the plugin as the batch script starts.
//
// It waits for the grace period to start without asking slurmctld anything: the extern step's
// placeholder process (PrologFlags=Contain) dies of the SIGTERM Slurm sends at grace start, and a
// pidfd on it wakes the watcher. Then one RPC reads the job's record to learn why (preemption,
// or scancel, time limit, ...). On preemption it writes the notice file, prints a line on the
// job's stderr and signals every process of the job on this node except the batch shell (whose
// death would take the whole batch step with it) and srun clients (Slurm signals their tasks).
// Without an extern step it reads the job's record every --poll seconds instead.
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>

extern "C" {
#include <slurm/slurm.h>
}

#include "../slurm/controller.hpp"
#include "gracepack/os.hpp"
#include "gracepack/preempt.hpp"
#include "gracepack/text.hpp"

namespace {

using namespace gracepack;

struct Args {
  std::uint32_t job = 0;
  pid_t shell = 0;
  std::string dir;
  int signal = SIGTERM;
  bool notify_shell = false;
  bool quiet = false;  // no line on stderr: another node's watcher speaks for the job
  unsigned poll = 5;
  PreemptRequest request;
  unsigned admin_max = 5;
};

void say(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::fflush(stderr);
}

Status write_file_atomically(const std::string& dir, const std::string& name,
                             const std::string& text) {
  const std::string tmp = dir + "/." + name + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot write " + tmp + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) {
    return fail("cannot write " + dir + "/" + name + ": " + std::strerror(errno));
  }
  return Ok{};
}

// The extern step's processes, or -1 when there is no extern step (no PrologFlags=Contain).
int open_extern_pidfd(const os::JobCgroups& cg) {
  for (pid_t pid : os::pids_in_tree(cg.job + "/step_extern")) {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd >= 0) return fd;
  }
  return -1;
}

// The job's record, retried briefly: slurmctld may be busy at the moment of a preemption.
Result<JobRecord> load(slurm::SlurmController& ctl, std::uint32_t job) {
  Result<JobRecord> r = fail("not asked");
  for (int i = 0; i < 10; ++i) {
    r = ctl.load_job(job);
    if (r) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return r;
}

unsigned signal_job(const Args& a, const os::JobCgroups& cg) {
  unsigned count = 0;
  const pid_t self = ::getpid();
  const uid_t uid = ::getuid();
  std::vector<std::string> steps{"step_batch"};
  // Slurm already sent SIGTERM to the srun steps at grace start; another signal is added.
  if (a.signal != SIGTERM) {
    for (const auto& s : os::subdirs(cg.job)) {
      if (s != "step_batch" && s != "step_extern" && s.rfind("step_", 0) == 0) steps.push_back(s);
    }
  }
  for (const auto& step : steps) {
    for (pid_t pid : os::pids_in_tree(cg.job + "/" + step)) {
      if (pid == self || (pid == a.shell && !a.notify_shell)) continue;
      const std::string name = os::process_name(pid);
      if (name == "srun" || name == "slurmstepd" || name.empty()) continue;
      // Only the job's own processes; kill() would refuse others anyway.
      auto status = os::read_file("/proc/" + std::to_string(pid) + "/status");
      if (!status || status->find("\nUid:\t" + std::to_string(uid) + "\t") == std::string::npos)
        continue;
      if (::kill(pid, a.signal) == 0) ++count;
    }
  }
  return count;
}

int deliver(const Args& a, const os::JobCgroups& cg, const JobRecord& job) {
  const std::time_t now = std::time(nullptr);
  Notice n;
  n.cause = Cause::Preemption;
  n.notice_time = job.preempt_time ? job.preempt_time : now;
  n.deadline = job.end_time;
  n.signal = a.signal;
  n.restart_count = job.restart_count;
  n.max_requeue = requeue_cap(a.request, a.admin_max);
  JobRecord ended = job;
  ended.state = JobState::Preempted;
  const Decision d = decide_requeue(ended, a.request, a.admin_max);
  n.will_requeue = d.requeue;
  if (auto st = write_file_atomically(a.dir, "notice", format_notice(n)); !st)
    say("gracepack: " + st.error().message);
  std::string msg = notice_message(n, job.job_id, now);
  if (!d.requeue && job.restart_count < n.max_requeue) msg += " (" + d.reason + ")";
  if (!a.quiet) say(msg);
  const unsigned count = signal_job(a, cg);
  (void)write_file_atomically(a.dir, "watcher",
                              format_watcher_status({std::time(nullptr), count, job.preempt_time}));
  return 0;
}

Result<Args> parse_args(int argc, char** argv) {
  Args a;
  static const option opts[] = {{"job", required_argument, nullptr, 'j'},
                                {"shell", required_argument, nullptr, 's'},
                                {"dir", required_argument, nullptr, 'd'},
                                {"request", required_argument, nullptr, 'r'},
                                {"max-requeue", required_argument, nullptr, 'm'},
                                {"poll", required_argument, nullptr, 'p'},
                                {"notify-shell", no_argument, nullptr, 'n'},
                                {"quiet", no_argument, nullptr, 'q'},
                                {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "", opts, nullptr)) != -1;) {
    std::optional<std::int64_t> n;
    switch (c) {
      case 'j':
        n = text::parse_int(optarg, 1, UINT32_MAX);
        if (!n) return fail("bad --job");
        a.job = static_cast<std::uint32_t>(*n);
        break;
      case 's':
        n = text::parse_int(optarg, 0, 1 << 30);  // 0: no batch shell (an srun step's watcher)
        if (!n) return fail("bad --shell");
        a.shell = static_cast<pid_t>(*n);
        break;
      case 'd':
        a.dir = optarg;
        break;
      case 'r': {
        auto r = parse_preempt_requeue(optarg);
        if (!r) return r.error();
        a.request = *r;
        a.signal = r->signal;
        break;
      }
      case 'm':
        n = text::parse_int(optarg, 0, 1000);
        if (!n) return fail("bad --max-requeue");
        a.admin_max = static_cast<unsigned>(*n);
        break;
      case 'p':
        n = text::parse_int(optarg, 1, 3600);
        if (!n) return fail("bad --poll");
        a.poll = static_cast<unsigned>(*n);
        break;
      case 'n':
        a.notify_shell = true;
        break;
      case 'q':
        a.quiet = true;
        break;
      default:
        return fail("unknown option");
    }
  }
  if (!a.job || a.dir.empty() || a.dir.front() != '/')
    return fail("--job, --shell and --dir are required");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  ::prctl(PR_SET_NAME, "gracepack-watch");
  auto args = parse_args(argc, argv);
  if (!args) {
    say("gracepack-watcher: " + args.error().message);
    return 2;
  }
  // The batch step's SIGTERM (scancel, time limit, grace end) simply ends the watcher.
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);
  // One watcher per job and node: the lock is held for the watcher's life.
  auto lock = gracepack::os::try_lock(args->dir + "/watcher.lock");
  if (!lock) {
    say("gracepack: --preempt-requeue: " + lock.error().message + "; no notice will be given");
    return 1;
  }
  if (*lock < 0) return 0;  // this node's watcher is already up
  auto cg = gracepack::os::own_job_cgroups();
  if (!cg) {
    say("gracepack: --preempt-requeue: " + cg.error().message + "; no notice will be given");
    return 1;
  }
  slurm_init(nullptr);
  gracepack::slurm::SlurmController ctl;

  const int pidfd = open_extern_pidfd(*cg);
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    auto job = load(ctl, args->job);
    if (job && gracepack::classify(*job) == gracepack::Cause::Preemption)
      return deliver(*args, *cg, *job);
    return 0;  // the job is ending for another reason (scancel, time limit, its end)
  }
  // No extern step: one cheap RPC per interval, for as long as the job runs.
  while (true) {
    std::this_thread::sleep_for(std::chrono::seconds(args->poll));
    auto job = ctl.load_job(args->job);
    if (!job) continue;
    if (job->preempt_time) return deliver(*args, *cg, *job);
    if (job->state != gracepack::JobState::Running && job->state != gracepack::JobState::Suspended)
      return 0;
  }
}
