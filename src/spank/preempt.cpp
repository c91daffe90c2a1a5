// --preempt-requeue in Slurm's processes: refusals at submission (srun, sbatch, salloc), the batch
// step's private directory and watcher (slurmstepd), and the decision and requeue at the end of
// the job (the SPANK job epilog on the batch host).
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "../slurm/controller.hpp"
#include "gracepack/controller.hpp"
#include "gracepack/os.hpp"
#include "gracepack/preempt.hpp"
#include "gracepack/process.hpp"
#include "gracepack/text.hpp"
#include "hooks.hpp"
#include "state.hpp"

#ifndef GRACEPACK_WATCHER_PATH
#define GRACEPACK_WATCHER_PATH "/usr/libexec/gracepack/gracepack-watcher"
#endif

namespace gracepack::spank {
namespace {

const char kJobLevelVar[] = "SLURM_SPANK__SLURM_SPANK_OPTION_gracepack_preempt_requeue";

std::string job_dir(const Config& c, const std::string& node, std::uint32_t job) {
  return node_state_dir(c, node) + "/" + std::to_string(job);
}

std::vector<std::string> own_argv() {
  std::vector<std::string> out;
  auto text = os::read_file("/proc/self/cmdline");
  if (!text) return out;
  for (auto a : text::split(*text, '\0')) {
    if (!a.empty()) out.emplace_back(a);
  }
  return out;
}

// --requeue / --no-requeue as the user gave them to sbatch: command line, environment, and the
// #SBATCH lines of a script named on the command line. nullopt: not given.
std::optional<bool> sbatch_requeue_flag() {
  std::optional<bool> flag;
  auto scan = [&](std::string_view word) {
    if (word == "--requeue") flag = true;
    if (word == "--no-requeue") flag = false;
  };
  const std::vector<std::string> argv = own_argv();
  for (const auto& arg : argv) {
    struct stat st {};
    if (::stat(arg.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (1 << 20)) {
      if (auto script = os::read_file(arg)) {
        for (auto line : text::split(*script, '\n')) {
          if (line.rfind("#SBATCH", 0) != 0) continue;
          for (auto w : text::split(line.substr(7), ' ')) scan(text::trim(w));
        }
      }
    }
  }
  if (std::getenv("SBATCH_REQUEUE")) flag = true;
  if (std::getenv("SBATCH_NO_REQUEUE")) flag = false;
  for (const auto& arg : argv) scan(arg);  // the command line wins
  return flag;
}

}  // namespace

Status preempt_local_check(const Spank& sp) {
  const PluginState& st = state();
  if (!st.preempt || !st.enabled()) return Ok{};
  const std::string prog = program_invocation_short_name;
  const char* batch_only =
      "--preempt-requeue: Slurm can only requeue batch jobs; submit the work with sbatch "
      "--preempt-requeue";
  if (sp.context() == Context::Allocator && prog == "salloc") {
    return fail(std::string(batch_only) + " (salloc allocations are interactive)");
  }
  if (sp.context() == Context::Local) {
    if (!std::getenv("SLURM_JOB_ID")) {
      return fail(std::string(batch_only) + " (this srun makes an interactive allocation)");
    }
    if (!std::getenv(kJobLevelVar)) {
      return fail(
          "--preempt-requeue applies to a whole batch job: give it to sbatch "
          "(#SBATCH --preempt-requeue), not to one srun");
    }
    return Ok{};
  }
  if (sp.context() != Context::Allocator || prog != "sbatch") return Ok{};
  const auto flag = sbatch_requeue_flag();
  if (flag && !*flag) {
    return fail(
        "--preempt-requeue cannot requeue a job submitted with --no-requeue: drop one of them");
  }
  if (!flag) {
    auto by_default = slurm::cluster_requeues_by_default();
    if (by_default && !*by_default) {
      return fail(
          "--preempt-requeue: this cluster does not requeue jobs unless asked "
          "(JobRequeue=0): add --requeue");
    }
  }
  return Ok{};
}

Status preempt_remote_setup(const Spank& sp) {
  PluginState& st = state();
  if (!st.preempt || !st.config) return Ok{};
  // The batch step, and srun steps: on the other nodes of a multi-node job an srun step is what
  // brings the job there, and its node needs a notice directory and a watcher of its own.
  auto kind = sp.step_kind();
  if (!kind || (*kind != StepKind::Batch && *kind != StepKind::Normal)) return Ok{};
  auto job = sp.job_id();
  auto uid = sp.uid();
  auto gid = sp.gid();
  if (!job || !uid || !gid) return Ok{};
  // Root, before privileges drop: a root-owned parent, so no user can plant the job's directory.
  const std::string node = sp.node_name();
  const std::string parent = node_state_dir(*st.config, node);
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    log_error("--preempt-requeue: cannot create " + parent + ": " + std::strerror(errno));
    return Ok{};
  }
  struct stat ps {};
  if (::lstat(parent.c_str(), &ps) != 0 || !S_ISDIR(ps.st_mode) || ps.st_uid != 0 ||
      (ps.st_mode & 022)) {
    log_error("--preempt-requeue: " + parent +
              " must be a directory owned by root, not writable by others");
    return Ok{};
  }
  const std::string dir = job_dir(*st.config, node, *job);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    log_error("--preempt-requeue: cannot create " + dir + ": " + std::strerror(errno));
    return Ok{};
  }
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || ::fchown(fd, *uid, *gid) != 0 || ::fchmod(fd, 0700) != 0) {
    log_error("--preempt-requeue: cannot give " + dir +
              " to the job's user: " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return Ok{};
  }
  ::close(fd);
  st.preempt_dir = dir;
  return Ok{};
}

Status preempt_task_init(const Spank& sp) {
  const PluginState& st = state();
  if (!st.preempt || !st.config || st.preempt_dir.empty()) return Ok{};
  if (auto r = sp.setenv("GRACEPACK_NOTICE_FILE", st.preempt_dir + "/notice"); !r) return r;
  auto job = sp.job_id();
  if (!job) return Ok{};
  // One watcher per node: the batch step's, or on the job's other nodes one started by the first
  // task of each srun step there (a watcher that finds another one holding the node's lock
  // leaves at once). Those print no line of their own: the batch node's says it for the job.
  auto kind = sp.step_kind();
  const bool batch = kind && *kind == StepKind::Batch;
  if (!batch) {
    auto task = sp.local_task_id();
    if (!task || *task != 0) return Ok{};
    // Where the node's watcher runs (the batch node, or an earlier step's), start nothing.
    if (os::lock_held(st.preempt_dir + "/watcher.lock")) return Ok{};
  }
  os::SpawnOptions w;
  w.argv = {GRACEPACK_WATCHER_PATH,
            "--job",
            std::to_string(*job),
            "--shell",
            std::to_string(batch ? ::getpid() : 0),
            "--dir",
            st.preempt_dir,
            "--request",
            to_value(*st.preempt),
            "--max-requeue",
            std::to_string(st.config->max_requeue),
            "--poll",
            std::to_string(st.config->poll_interval)};
  if (st.config->notify_shell) w.argv.emplace_back("--notify-shell");
  if (!batch) w.argv.emplace_back("--quiet");
  w.env = {"PATH=/usr/bin:/bin"};
  // The job's own SLURM_CONF (configless clusters set it for jobs), else slurmstepd's.
  if (auto conf = sp.getenv("SLURM_CONF")) {
    w.env.push_back("SLURM_CONF=" + *conf);
  } else if (const char* own = std::getenv("SLURM_CONF")) {
    w.env.push_back(std::string("SLURM_CONF=") + own);
  }
  w.uid = ::getuid();
  w.gid = ::getgid();
  w.keep_stderr = true;  // the job's stderr: the notice line goes there
  if (auto r = os::spawn_detached(w); !r) {
    // The job still runs; it is still requeued after a preemption, just without an early notice.
    std::fprintf(stderr, "gracepack: --preempt-requeue: %s; the job gets no early notice\n",
                 r.error().message.c_str());
  }
  return Ok{};
}

namespace {

// Requeue can hang (seen with scontrol requeue): it runs in a child with a deadline. The child's
// exit status says whether slurmctld refused (1) or did not answer (2); a child past its deadline
// counts as no answer.
class BoundedController : public slurm::SlurmController {
 public:
  Status requeue(std::uint32_t job_id) override {
    auto rc = os::run_in_child(
        [&] {
          auto st = SlurmController::requeue(job_id);
          return st ? 0 : st.error().transient ? 2 : 1;
        },
        std::chrono::seconds(30));
    if (!rc) return fail_transient("slurm_requeue2: " + rc.error().message);
    if (*rc == 2) return fail_transient("slurm_requeue2: slurmctld did not answer");
    if (*rc != 0) return fail("slurmctld refused the requeue (see the slurmctld log)");
    return Ok{};
  }
};

// Pauses between tries while slurmctld does not answer, for at most ctld_wait seconds in all.
RetryWait ctld_retry(unsigned ctld_wait) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(ctld_wait);
  return [deadline] {
    constexpr auto pause = std::chrono::seconds(5);
    if (clock::now() + pause > deadline) return false;
    std::this_thread::sleep_for(pause);
    return true;
  };
}

void append_audit(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  // The default lives in /var/log/slurm, which not every node has: make that one directory.
  const std::string parent = path.substr(0, path.rfind('/'));
  if (!parent.empty() && ::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    log_error("--preempt-requeue: cannot create " + parent + ": " + std::strerror(errno));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
  if (fd < 0) {
    log_error("--preempt-requeue: cannot append to audit_log " + path + ": " +
              std::strerror(errno));
    return;
  }
  const std::string rec = line + "\n";
  if (::write(fd, rec.data(), rec.size()) != static_cast<ssize_t>(rec.size())) {
    log_error("--preempt-requeue: short write to audit_log " + path);
  }
  ::close(fd);
}

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* res = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) return pw.pw_name;
  return std::to_string(uid);
}

}  // namespace

Status preempt_job_epilog(const Spank& sp, spank_option* option) {
  const PluginState& st = state();
  if (!st.config) return Ok{};
  auto value = sp.option_value(option);
  if (!value) return Ok{};  // the job did not ask: no RPC, nothing written
  auto request = parse_preempt_requeue(*value);
  auto job = sp.job_id();
  auto uid = sp.uid();
  if (!request || !job || !uid) return Ok{};

  JobEnd end;
  end.job_id = *job;
  end.request = *request;
  end.admin_max = st.config->max_requeue;
  end.node_name = sp.node_name();
  end.user = user_name(*uid);
  end.now = std::time(nullptr);
  const std::string dir = job_dir(*st.config, end.node_name, *job);
  if (auto text = os::read_file(dir + "/watcher")) {
    if (auto ws = parse_watcher_status(*text)) end.watcher = *ws;
  }
  BoundedController controller;
  const JobEndOutcome outcome = handle_job_end(controller, end, ctld_retry(st.config->ctld_wait));
  for (const AuditRecord& r : outcome.records) {
    append_audit(st.config->audit_log, to_json(r));
    log_info("job " + std::to_string(*job) + ": " + r.event + ": " + r.decision + " (" + r.reason +
             ")");
  }
  // The job's directory goes, removed as the user so nothing in it can mislead root.
  struct stat ds {};
  if (::lstat(dir.c_str(), &ds) == 0 && S_ISDIR(ds.st_mode)) {
    os::SpawnOptions rm;
    rm.argv = {"/bin/rm", "-rf", "--", dir};
    rm.env = {"PATH=/usr/bin:/bin"};
    rm.uid = *uid;
    auto gid = sp.gid();
    if (gid) rm.gid = *gid;
    (void)os::run(rm, std::chrono::seconds(10));
    ::rmdir(dir.c_str());  // root may only remove it once empty; rmdir never follows a link
  }
  return Ok{};
}

}  // namespace gracepack::spank
