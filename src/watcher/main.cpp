// gracepack-watcher: one per --preempt-requeue job run and node, as the job's user with no
// capabilities; started (detached) by the plugin in the batch step, and on the job's other nodes
// by the first task of the first srun step there. It only does I/O: what it decides is in
// core/watcher_logic, what it is told is core/watcher_args, what it writes is core/job_dir.
//
// It waits for the grace period to start without asking slurmctld anything: Slurm's placeholder
// in the extern step (PrologFlags=Contain) dies of the SIGTERM Slurm sends at grace start, and a
// pidfd on it wakes the watcher. One read of the job's record (gracepack-ctl) then says why. On
// preemption it writes the notice file, prints a line on the job's stderr and signals the job's
// processes on this node (core::signal_targets). Where there is no placeholder (no extern step,
// Slurm 25.05 and later, or it died of another signal such as scancel --signal=USR1) it reads the
// record every --poll seconds instead.
//
// It never leaves before its step ends: it holds the node's lock for the run so that no later
// watcher starts, and the status file says what it saw, so that a notice is given once. It is
// handed the lock (held) and the run's status and notice files as descriptors 3, 4 and 5, which
// root opened (core/preempt/job_dir.hpp): it writes nothing by name, and makes itself non-dumpable
// so that the job's user, whose process it is, cannot take them from it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <future>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "gracepack/core/base/text.hpp"
#include "gracepack/core/preempt/checkpoint.hpp"
#include "gracepack/core/preempt/job_dir.hpp"
#include "gracepack/core/preempt/notice.hpp"
#include "gracepack/core/preempt/retry.hpp"
#include "gracepack/core/preempt/runtime_plumbing.hpp"
#include "gracepack/core/preempt/watcher_args.hpp"
#include "gracepack/core/preempt/watcher_logic.hpp"
#include "gracepack/os/cgroups.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/os/proc.hpp"
#include "gracepack/slurm/ctl_client.hpp"

namespace {

using namespace gracepack;

void say(const std::string& msg) {
  std::fprintf(stderr, "%s\n", msg.c_str());
  std::fflush(stderr);
}

[[noreturn]] void hold_until_the_step_ends() {
  while (true) ::pause();
}

class Watcher {
 public:
  Watcher(WatcherArgs args, os::JobCgroups cg)
      : a_(std::move(args)), cg_(std::move(cg)), ctl_(a_.ctl, ctl_env()) {}

  // Returns only if the watcher has nothing left to do.
  void run() {
    if (auto prior = previous_status(); prior && prior->state == WatchState::Delivered) return;
    // The copy is empty until notice time, as the file in /run; a copy a past run left is no
    // notice for this one. Emptied before the first status, which root's task_init waits for
    // (briefly) before the batch script starts. (Watchers of other nodes start later, maybe
    // after it was written.)
    if (a_.shell != 0) write_copy("");
    write_status(WatchState::Watching);
    check_protection();
    if (!a_.no_event) {
      // The extern step's placeholder (Slurm's up to 24.11, gracepack's from 25.05) dies of the
      // SIGTERM Slurm sends every node at grace start.
      auto placeholder = find_placeholder(os::processes_in(extern_dir(), "step_extern"));
      if (placeholder) {
        if (auto h = os::open_process(*placeholder)) {
          os::wait_for_exit(*h);
          // The acknowledgements as they stand at grace start, read now: the job's srun tasks
          // heard Slurm's SIGTERM at this instant, and one that saves and exits at once may end
          // the step (and this watcher) before the job's record is read.
          start_first_read();
          write_status(WatchState::Waking);
          // The job's watchers on its other nodes woke at the same instant: not all at once.
          std::this_thread::sleep_for(read_spread(a_.nodes, draw()));
          if (check() != WakeVerdict::KeepWatching) return;
        }
      } else if (extern_step_exists()) {
        // The extern step is there but its placeholder is not: it died before this watcher
        // started (a step starting here during the grace period), or none could be started.
        if (check() != WakeVerdict::KeepWatching) return;
      }
    }
    // No event is left to wait for: the job is read every --poll seconds, by the batch node's
    // watcher alone (once per job, not per node); the other nodes' processes of srun steps hear
    // Slurm's own SIGTERM at grace start.
    if (a_.quiet) return;
    if (!a_.no_event && !extern_step_exists()) {
      say("gracepack: note: this node runs no extern step (PrologFlags=Contain is not set): the "
          "start of a grace period is no event here; gracepack reads the job every " +
          std::to_string(a_.poll) + " s instead, and the notice may come that much later");
    }
    while (true) {
      std::this_thread::sleep_for(std::chrono::seconds(a_.poll));
      if (check() != WakeVerdict::KeepWatching) return;
    }
  }

 private:
  static std::vector<std::string> ctl_env() {
    std::vector<std::string> env{"PATH=/usr/bin:/bin"};
    if (const char* conf = std::getenv("SLURM_CONF"))
      env.push_back(std::string("SLURM_CONF=") + conf);
    return env;
  }

  // notice=PATH: the copy, written as the user before the signal, but never holding it up more
  // than 2 s (a file system that hangs): the write has a thread of its own.
  void write_copy(const std::string& text) const {
    if (a_.notice_copy.empty()) return;
    auto done = std::make_shared<std::promise<Status>>();
    auto result = done->get_future();
    std::thread([path = a_.notice_copy, text, done] {
      done->set_value(os::replace_user_file(path, text));
    }).detach();
    const std::string shown = text::printable(a_.notice_copy);
    if (result.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
      say("gracepack: the notice copy " + shown + " was not written within 2 s");
      return;
    }
    if (auto st = result.get(); !st) say("gracepack: the notice copy: " + st.error().message);
  }

  // protect_after: whether this job may go into protect_qos at all, asked once when it starts (by
  // the batch node's watcher, in a thread: nothing waits for slurmctld's answer). A job whose
  // association may not use the QOS is told now, and its notices do not promise the move (the
  // epilog asks again, as root, before it moves a job).
  void check_protection() {
    if (a_.shell == 0 || !a_.budgets.protect_after || a_.quiet) return;
    try {
      std::thread([this] {
        slurm::CtlController ctl(a_.ctl, ctl_env());
        auto st = ctl.check_qos(a_.job, a_.budgets.protect_qos);
        if (st || st.error().transient) return;
        protect_refused_ = true;
        say("gracepack: this cluster moves a job preempted " +
            std::to_string(a_.budgets.protect_after) + " times into QOS " + a_.budgets.protect_qos +
            ", but not this one: " + st.error().message +
            ". It is requeued in its own QOS at every preemption.");
      }).detach();
    } catch (const std::system_error&) {  // no thread: the epilog still asks
    }
  }

  std::string extern_dir() const { return cg_.job + "/step_extern"; }
  bool extern_step_exists() const { return ::access(extern_dir().c_str(), F_OK) == 0; }

  static double draw() {
    auto hex = os::random_hex(2);
    if (!hex) return 0.5;
    return static_cast<double>(std::stoul(*hex, nullptr, 16)) / 65536.0;
  }

  std::optional<WatcherStatus> previous_status() const {
    auto text = os::read_whole(JobDirLayout::kStatusFd, JobDirLayout::kMaxFile);
    if (!text) return std::nullopt;
    auto s = parse_watcher_status(*text);
    if (!s || s->run != a_.run) return std::nullopt;
    return *s;
  }

  void write_status(WatchState state, const JobRecord* job = nullptr, Cause cause = Cause::Running,
                    unsigned signalled = 0, unsigned targets = 0) {
    std::lock_guard<std::mutex> hold(status_mutex_);
    WatcherStatus s;
    s.run = a_.run;
    s.state = state;
    s.since = std::time(nullptr);
    s.cause = cause;
    s.restart = a_.restart;
    if (job) {
      s.start_time = job->start_time;
      s.preempt_time = job->preempt_time;
    }
    if (state == WatchState::Delivered) {
      s.delivered = s.since;
      s.signalled = signalled;
      s.targets = targets;
      // The deadline the notice names: slurmctld's end time at grace start. A job that ends
      // inside its window gets its own end there, and the report needs the deadline.
      if (job) s.deadline = job->end_time;
    }
    last_ = s;
    store_status();
  }

  // The last status again, with the acknowledgements seen since (the ack thread).
  void store_status() {
    WatcherStatus s = last_;
    s.ack = acks_.ack;
    s.ack_label = acks_.ack_label;
    s.ack_window = acks_.ack_window;
    s.ack_note = acks_.ack_note;
    s.returned = acks_.returned;
    s.ack_watch = acks_.ack_watch;
    if (auto st = os::rewrite_padded(JobDirLayout::kStatusFd, format_watcher_status(s)); !st)
      say("gracepack: the watcher's status: " + st.error().message);
  }

  // One read of the job's record and what it means. While slurmctld does not answer (or asks
  // clients to back off) the read is tried again, each pause twice the last, up to 2 s.
  WakeVerdict check() {
    Retry retry(
        {std::chrono::milliseconds(250), std::chrono::seconds(8), 2, std::chrono::seconds(2)},
        RetryClock::real());
    auto job = with_retry([&] { return ctl_.load_job(a_.job); }, retry);
    if (!job) return WakeVerdict::KeepWatching;  // the next poll asks again
    const Wake w = judge_wake(*job);
    switch (w.verdict) {
      case WakeVerdict::Deliver:
        deliver(*job);
        break;
      case WakeVerdict::Stop:
        write_status(WatchState::NotPreempted, &*job, w.cause);
        break;
      case WakeVerdict::KeepWatching:
        write_status(WatchState::Watching, &*job);
        break;
    }
    return w.verdict;
  }

  void deliver(const JobRecord& job) {
    // The acknowledgement file as it was before anyone is signalled (a program that saves on the
    // notice overwrites its last acknowledgement before the grace start), with its directory
    // watched from then on; at most 200 ms (a file system that hangs).
    start_first_read();
    std::optional<FirstRead> first;
    if (first_read_.valid() &&
        first_read_.wait_for(std::chrono::milliseconds(200)) == std::future_status::ready)
      first.emplace(first_read_.get());
    const std::time_t now = std::time(nullptr);
    // The clock file times come from (the kernel's coarse one): an acknowledgement written after
    // this moment carries a time at or after it.
    ::clock_gettime(CLOCK_REALTIME_COARSE, &notice_at_);
    RequeueBudgets budgets = a_.budgets;
    if (protect_refused_) budgets.protect_after = 0, budgets.protect_qos.clear();
    const Notice n = notice_for(job, a_.request, budgets, now);
    if (auto st = os::rewrite_whole(JobDirLayout::kNoticeFd, format_notice(n)); !st)
      say("gracepack: the notice file: " + st.error().message);
    write_copy(format_notice(n));
    if (!a_.quiet) say(notice_message(n, job.job_id, now));
    // Slurm already sent SIGTERM to the srun steps at grace start; another signal is added.
    const std::vector<ProcessInfo> targets =
        targets_for(a_.request.signal, a_.request.signal != SIGTERM, a_.notify_shell);
    unsigned count = 0;
    for (const ProcessInfo& p : targets) {
      auto h = os::open_process(p);
      if (h && os::signal_process(*h, a_.request.signal)) ++count;
    }
    write_status(WatchState::Delivered, &job, Cause::Preemption, count,
                 static_cast<unsigned>(targets.size()));
    // The acknowledgements: the last before grace start, then those inside the window, read in
    // a thread of their own (a file system that hangs holds up nothing else).
    if (a_.checkpoint.empty()) return;
    std::optional<os::DirWatch> watch;
    if (first) {
      look_at_acks(job, first->read);
      watch = std::move(first->watch);
    }
    try {
      std::thread([this, job, w = std::move(watch)]() mutable {
        watch_acks(job, std::move(w));
      }).detach();
    } catch (const std::system_error& e) {  // no thread (RLIMIT_NPROC): no further reads
      say(std::string("gracepack: checkpoint acknowledgements are not read: ") + e.what());
    }
  }

  // The processes of the job's steps on this node that `sig` may reach (core::signal_targets:
  // never slurmstepd, srun, this watcher, gracepack's helpers nor a container's plumbing).
  std::vector<ProcessInfo> targets_for(int sig, bool other_steps, bool shell) const {
    std::vector<ProcessInfo> processes;
    for (const std::string& step : os::subdirs(cg_.job)) {
      if (step.rfind("step_", 0) != 0 || step == "step_extern") continue;
      auto more = os::processes_in(cg_.job + "/" + step, step);
      processes.insert(processes.end(), more.begin(), more.end());
    }
    // A process that seems to forward signals only because it blocks them all may be caught in
    // an instant of a fork (bash, posix_spawn): its masks are read again, 5 times 2 ms apart at
    // most; a real forwarder (tini, catatonit) keeps them blocked.
    for (ProcessInfo& p : processes) {
      for (int i = 0; i < 5 && forwarder_by_blocking_only(p); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        auto again = os::read_process(p.pid);
        if (!again || again->start != p.start) break;
        p.caught = again->caught;
        p.blocked = again->blocked;
      }
    }
    SignalScope scope;
    scope.self = ::getpid();
    scope.shell = a_.shell;
    scope.uid = ::getuid();
    scope.notify_shell = shell;
    scope.other_steps = other_steps;
    scope.v2 = cg_.v2;
    scope.signal = sig;
    // The job's PID namespace is the watcher's: what lies below it is a container's.
    if (auto self = os::read_process(::getpid())) scope.ns_depth = self->nspid.size();
    return signal_targets(processes, scope);
  }

  // The first reading of the acknowledgement file, and its directory watched from then on: in a
  // thread of its own (a path lookup on a hung file system blocks), started once.
  struct FirstRead {
    std::optional<os::DirWatch> watch;
    Result<std::optional<AckFile>> read = std::optional<AckFile>();
  };
  void start_first_read() {
    if (a_.checkpoint.empty() || first_read_.valid() || first_read_taken_) return;
    first_read_taken_ = true;
    auto done = std::make_shared<std::promise<FirstRead>>();
    first_read_ = done->get_future();
    try {
      std::thread([path = a_.checkpoint, done] {
        FirstRead r;
        const auto slash = path.rfind('/');
        if (auto w = os::DirWatch::open(slash == 0 ? "/" : path.substr(0, slash)))
          r.watch.emplace(std::move(*w));
        r.read = os::read_ack_file(path);
        done->set_value(std::move(r));
      }).detach();
    } catch (const std::system_error&) {
      first_read_ = {};
    }
  }

  // Reads the acknowledgement file once: what it says for this run, into the status.
  void look_at_acks(const JobRecord& job, const Result<std::optional<AckFile>>& read) {
    const std::time_t now = std::time(nullptr);
    const std::time_t run_start = job.start_time;
    const AckSeen seen = judge_ack(read, run_start, now);
    std::lock_guard<std::mutex> hold(status_mutex_);
    const AckStatus before = acks_;
    if (!seen.note.empty() && seen.note != acks_.ack_note) {
      say("gracepack: the checkpoint acknowledgement " + text::printable(a_.checkpoint) +
          " counts as none: " + seen.note);
    }
    acks_.ack_note = seen.time ? std::string() : seen.note;
    bool may_end = false;
    if (seen.time) {
      // The label goes with the time it is recorded with, never with an older reading.
      if (inside_window(seen, job.preempt_time, notice_at_.tv_sec, notice_at_.tv_nsec)) {
        if (*seen.time >= acks_.ack_window) {
          acks_.ack_window = *seen.time;
          acks_.ack_label = seen.label;
          may_end = !seen.others_may_write;
        }
      } else if (!acks_.ack_window && *seen.time >= acks_.ack) {
        acks_.ack = *seen.time;
        acks_.ack_label = seen.label;
      }
    }
    if (a_.return_grace && a_.shell != 0 && acks_.ack_window && !acks_.returned && !may_end &&
        !warned_shared_) {
      warned_shared_ = true;
      say("gracepack: return_grace: the checkpoint acknowledgement " +
          text::printable(a_.checkpoint) +
          " may be written by others (group or others have write permission): the run keeps "
          "its window");
    }
    if (a_.return_grace && a_.shell != 0 && may_end && !acks_.returned) {
      acks_.returned = now;
      store_status();
      say("gracepack: job " + std::to_string(job.job_id) +
          " acknowledged a checkpoint inside its grace window: ending it now (return_grace); it "
          "will be requeued");
      end_the_run();
      return;
    }
    if (!(acks_ == before)) store_status();
  }

  // Watches the acknowledgement file until the step ends (it ends the watcher): each change of
  // the file (inotify on its directory), and every second (a shared file system tells inotify
  // nothing of other nodes' writes).
  [[noreturn]] void watch_acks(const JobRecord& job, std::optional<os::DirWatch> watch) {
    if (!watch) {
      const auto slash = a_.checkpoint.rfind('/');
      if (auto w = os::DirWatch::open(slash == 0 ? "/" : a_.checkpoint.substr(0, slash)))
        watch.emplace(std::move(*w));
    }
    // The batch script's end: one more reading then, and root's task_exit, which waits a moment
    // for it, learns from the status that it was made (ack_watch=2).
    std::optional<os::ProcessHandle> shell;
    if (a_.shell != 0) {
      if (auto p = os::read_process(a_.shell)) {
        if (auto h = os::open_process(*p)) shell.emplace(std::move(*h));
      }
    }
    const int shell_fd = shell ? shell->pidfd.get() : -1;
    bool ended = a_.shell != 0 && !shell;  // the script ended before the notice
    set_ack_watch(1);
    while (true) {
      look_at_acks(job, os::read_ack_file(a_.checkpoint));
      if (ended) set_ack_watch(2);
      // A directory that changes all the time (a log beside the file) is read 20 times a second.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (watch) {
        ended = watch->wait_or(std::chrono::seconds(1), ended ? -1 : shell_fd) ==
                    os::DirWatch::Woken::Other ||
                ended;
      } else {
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
  }

  void set_ack_watch(unsigned state) {
    std::lock_guard<std::mutex> hold(status_mutex_);
    if (acks_.ack_watch == state) return;
    acks_.ack_watch = state;
    store_status();
  }

  // return_grace: the job's tasks on this node, the batch shell and every step's included,
  // SIGKILLed (the notice's rule: never slurmstepd, srun, gracepack's helpers or this watcher):
  // the batch script's end ends the job, and the job epilog requeues it.
  void end_the_run() const {
    for (const ProcessInfo& p : targets_for(SIGKILL, true, true)) {
      if (auto h = os::open_process(p)) (void)os::signal_process(*h, SIGKILL);
    }
  }

  struct AckStatus {
    std::time_t ack = 0;
    std::string ack_label;
    std::time_t ack_window = 0;
    std::string ack_note;
    std::time_t returned = 0;
    unsigned ack_watch = 0;
    bool operator==(const AckStatus&) const = default;
  };

  WatcherArgs a_;
  os::JobCgroups cg_;
  slurm::CtlController ctl_;
  std::mutex status_mutex_;  // the status is written by the main thread and the ack thread
  WatcherStatus last_;
  AckStatus acks_;
  timespec notice_at_{};  // when the notice began: an acknowledgement after it is inside the window
  std::future<FirstRead> first_read_;
  bool first_read_taken_ = false;
  bool warned_shared_ = false;
  std::atomic<bool> protect_refused_{false};
};

}  // namespace

int main(int argc, char** argv) {
  // Before anything else: the job's user, whose process this is, must not take the descriptors
  // root opened for it (ptrace, /proc/PID/fd). Installed unreadable (0711), it starts so anyway.
  ::prctl(PR_SET_DUMPABLE, 0);
  ::prctl(PR_SET_NAME, "gracepack-watch");
  auto args = parse_watcher_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!args) {
    say("gracepack-watcher: " + args.error().message);
    return 2;
  }
  // It ends with its step (SIGKILL to the step's cgroup); signals sent to the job (scancel, the
  // grace-start SIGTERM to srun steps) must not end it before it has said what happened.
  for (int sig : {SIGHUP, SIGINT, SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2}) ::signal(sig, SIG_IGN);
  for (int fd : {JobDirLayout::kLockFd, JobDirLayout::kStatusFd, JobDirLayout::kNoticeFd}) {
    if (::fcntl(fd, F_GETFD) < 0) {
      say("gracepack: --preempt-requeue: the watcher was started without its files; no notice "
          "will be given");
      return 1;
    }
  }
  auto cg = os::own_job_cgroups();
  if (!cg) {
    say("gracepack: --preempt-requeue: " + cg.error().message + "; no notice will be given");
    hold_until_the_step_ends();
  }
  // It outlives run(): the acknowledgement thread goes on using it until the step ends.
  static Watcher watcher(*args, *cg);
  watcher.run();
  hold_until_the_step_ends();
}
