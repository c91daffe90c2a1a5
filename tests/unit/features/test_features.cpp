// The two features driven hook by hook through a FakeStep, as Slurm would call them: which step
// they act in, what a task is handed, what a contradiction says, and a --preempt-requeue run's
// files from the batch step's start to the job epilog.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fake_step.hpp"
#include "gracepack/core/preempt/job_dir.hpp"
#include "gracepack/features/plugin.hpp"

namespace gracepack::features {
namespace {

namespace fs = std::filesystem;
using testing::FakeStep;

FakeStep pack_step(std::uint32_t tasks, const std::string& gpus) {
  FakeStep sp;
  sp.ctx = Context::Remote;
  sp.prog = "slurmstepd";
  sp.step = 0;
  sp.tasks = tasks;
  sp.vars = {{"SLURM_STEP_GPUS", gpus},
             {"CUDA_VISIBLE_DEVICES", gpus},
             {"HOSTNAME", "n1"},
             {"SLURM_STEP_NODELIST", "n1"}};
  sp.stepd_node = "n1";
  return sp;
}

TEST(PackFeature, ContradictionFailsEveryTaskWithOneMessagePerNode) {
  Plugin p;
  FakeStep sp = pack_step(4, "0,1");
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  ASSERT_TRUE(p.take_option(0, "3", true));
  ASSERT_TRUE(p.run(Hook::InitPostOpt, sp, {}));
  ASSERT_TRUE(p.run(Hook::UserInit, sp, {}));
  sp.task = 0;
  auto first = p.run(Hook::TaskInit, sp, {});
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().message.find("--pack-gpus=3"), std::string::npos)
      << first.error().message;
  EXPECT_NE(first.error().message.find("n1"), std::string::npos) << first.error().message;
  sp.task = 3;
  auto other = p.run(Hook::TaskInit, sp, {});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().message, "");
}

TEST(PackFeature, BatchStepAndLocalProcessesAreNeverPacked) {
  for (bool batch : {true, false}) {
    Plugin p;
    FakeStep sp = pack_step(4, "0,1");
    if (batch) sp.step = testing::kBatchStep;
    if (!batch) sp.ctx = Context::Local;
    ASSERT_TRUE(p.run(Hook::Init, sp, {}));
    ASSERT_TRUE(p.take_option(0, "3", batch));  // a plan that would fail if it were made
    ASSERT_TRUE(p.run(Hook::UserInit, sp, {}));
    EXPECT_TRUE(p.run(Hook::TaskInit, sp, {}));
    EXPECT_TRUE(sp.set.empty());
  }
}

TEST(PackFeature, OffOptsTheStepOut) {
  Plugin p;
  FakeStep sp = pack_step(4, "0,1");
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  ASSERT_TRUE(p.take_option(0, "off", true));
  ASSERT_TRUE(p.run(Hook::UserInit, sp, {}));
  EXPECT_TRUE(p.run(Hook::TaskInit, sp, {}));
  EXPECT_TRUE(sp.set.empty());
}

// task_init changes the calling process (CPU affinity): run in a child, report through exit codes.
TEST(PackFeature, EachTaskGetsItsOwnGpu) {
  EXPECT_EXIT(
      {
        Plugin p;
        FakeStep sp = pack_step(2, "5,7");
        if (!p.run(Hook::Init, sp, {}) || !p.take_option(0, "", true)) std::_Exit(10);
        if (!p.run(Hook::UserInit, sp, {})) std::_Exit(11);
        for (int task : {0, 1}) {
          sp.task = task;
          sp.set.clear();
          if (auto st = p.run(Hook::TaskInit, sp, {}); !st) {
            std::fprintf(stderr, "%s\n", st.error().message.c_str());
            std::_Exit(12);
          }
          const std::string want = task == 0 ? "5" : "7";
          if (sp.set["CUDA_VISIBLE_DEVICES"] != want) std::_Exit(20 + task);
          if (sp.set["GRACEPACK_GPU"] != want) std::_Exit(30 + task);
          if (sp.set["GRACEPACK_GPU_SHARE"].empty()) std::_Exit(40 + task);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// srun -n4 --ntasks-per-gpu=2 --gres=gpu:2 --pack-gpus (issue 12): user_init cannot see Slurm's
// binding and the tasks do not fit one per GPU; task_init sees SLURMD_TRES_BIND and the GPU Slurm
// narrowed each task to, keeps Slurm's GPU variables and adds the share. Without the binding the
// same step fails in task_init with the count message.
TEST(PackFeature, ABarePackGpusBuildsOnSlurmsTasksPerGpu) {
  EXPECT_EXIT(
      {
        for (bool bound : {true, false}) {
          Plugin p;
          FakeStep sp = pack_step(4, "0,1");
          sp.vars["SLURM_OVERCOMMIT"] = "1";  // this machine may have fewer CPUs than 4
          if (!p.run(Hook::Init, sp, {}) || !p.take_option(0, "", true)) std::_Exit(10);
          if (!p.run(Hook::UserInit, sp, {})) std::_Exit(11);
          for (int task : {0, 1, 2, 3}) {
            sp.task = task;
            sp.set.clear();
            const std::string gpu = task < 2 ? "0" : "1";
            if (bound) {  // what slurmstepd gives the task before task_init
              sp.vars["SLURMD_TRES_BIND"] = "gres/gpu:single:2";
              sp.vars["SLURM_STEP_GPUS"] = gpu;
              sp.vars["CUDA_VISIBLE_DEVICES"] = "0";  // ConstrainDevices: the task's own index
            }
            auto st = p.run(Hook::TaskInit, sp, {});
            if (!bound) {
              if (st) std::_Exit(20);
              if (task == 0 &&
                  st.error().message.find("cannot be spread 1 per GPU") == std::string::npos)
                std::_Exit(21);
              continue;
            }
            if (!st) {
              std::fprintf(stderr, "%s\n", st.error().message.c_str());
              std::_Exit(12);
            }
            if (sp.set.count("CUDA_VISIBLE_DEVICES")) std::_Exit(30 + task);
            if (sp.set["GRACEPACK_GPU"] != gpu) std::_Exit(40 + task);
            if (sp.set["GRACEPACK_GPU_TASKS"] != "2") std::_Exit(50 + task);
            if (sp.set["GRACEPACK_GPU_SLOT"] != std::to_string(task % 2)) std::_Exit(60 + task);
          }
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// With several tasks per GPU and mps=on, the step's MPS daemon answers before the tasks start and
// is gone once the node's last task has exited, before slurm_spank_exit: slurmstepd waits for its
// cgroup to empty before that hook (cgroup v2), so a daemon left there would hold the step.
// Returns 0, or the number of the check that failed (run in a child: task_init sets CPU affinity).
int mps_daemon_lifecycle() {
  Plugin p;
  FakeStep sp = pack_step(2, "0");
  sp.user = ::geteuid();
  sp.group = ::getegid();
  sp.vars["PATH"] = "/usr/bin:/bin";  // the job's, which the stand-ins' #! lines need
  const std::vector<std::string> args{"mps=on", "mps_control=" GP_TEST_TOOLS "/fake-mps-control",
                                      "nvidia_smi=" GP_TEST_TOOLS "/fake-nvidia-smi"};
  if (!p.run(Hook::Init, sp, args) || !p.take_option(0, "2", true)) return 10;
  if (!p.run(Hook::UserInit, sp, args)) return 11;
  if (!p.run(Hook::TaskInit, sp, args)) return 12;
  const std::string pipe = sp.set["CUDA_MPS_PIPE_DIRECTORY"];
  if (pipe.empty() || sp.set["GRACEPACK_GPU_SHARE"] != "mps") {
    for (const auto& e : sp.errors) std::fprintf(stderr, "%s\n", e.c_str());
    return 13;
  }
  std::ifstream pid_file(pipe + "/daemon.pid");
  pid_t daemon = 0;
  if (!(pid_file >> daemon) || daemon <= 0) return 14;
  sp.task = 0;
  if (!p.run(Hook::TaskExit, sp, args)) return 15;
  if (::kill(daemon, 0) != 0) return 16;  // one task still runs
  sp.task = 1;
  if (!p.run(Hook::TaskExit, sp, args)) return 17;
  if (::kill(daemon, 0) == 0 || errno != ESRCH) return 18;  // gone and reaped
  if (fs::exists(fs::path(pipe).parent_path())) return 19;  // its directory too
  if (!p.run(Hook::Exit, sp, args)) return 20;
  return 0;
}

TEST(PackFeature, TheMpsDaemonEndsWithTheLastTask) {
  EXPECT_EXIT(std::_Exit(mps_daemon_lifecycle()), ::testing::ExitedWithCode(0), "");
}

// --preempt-requeue from the batch step's start to the job epilog, on a real state directory.
class PreemptRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "the state directory is root's";
    char tmpl[] = "/tmp/gp-features-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    ::chmod(root_.c_str(), 0755);
    args_ = {"state_dir=" + root_ + "/state", "audit_log=" + root_ + "/audit.jsonl"};
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  FakeStep batch_step() const {
    FakeStep sp;
    sp.ctx = Context::Remote;
    sp.prog = "slurmstepd";
    sp.step = testing::kBatchStep;
    sp.vars = {{"HOSTNAME", "n1"}, {"SLURM_JOB_PARTITION", "low"}};
    return sp;
  }
  // What the watcher writes, through the descriptor root opened for it, when the job ends
  // without a preemption.
  void watcher_saw_no_preemption(const std::string& run) const {
    WatcherStatus s;
    s.run = run;
    s.state = WatchState::NotPreempted;
    s.cause = Cause::Completion;
    std::ofstream(root_ + "/state/42/" + JobDirLayout::kStatus) << format_watcher_status(s);
  }
  std::string root_;
  std::vector<std::string> args_;
};

TEST_F(PreemptRun, NoOptionNoFiles) {
  Plugin p;
  FakeStep sp = batch_step();
  ASSERT_TRUE(p.run(Hook::Init, sp, args_));
  ASSERT_TRUE(p.run(Hook::InitPostOpt, sp, args_));
  EXPECT_FALSE(fs::exists(root_ + "/state/42"));
  FakeStep epilog;
  epilog.ctx = Context::JobScript;
  epilog.vars = {{"SLURMD_NODENAME", "n1"}};
  Plugin e;
  ASSERT_TRUE(e.run(Hook::JobEpilog, epilog, args_));
  EXPECT_FALSE(fs::exists(root_ + "/audit.jsonl"));
}

TEST_F(PreemptRun, BatchStepToEpilog) {
  Plugin p;
  FakeStep sp = batch_step();
  ASSERT_TRUE(p.run(Hook::Init, sp, args_));
  ASSERT_TRUE(p.take_option(1, "max=2", true));
  ASSERT_TRUE(p.run(Hook::InitPostOpt, sp, args_));
  ASSERT_TRUE(sp.errors.empty()) << sp.errors.front();
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/state/42").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // root's: the job's user cannot write there
  EXPECT_EQ(st.st_mode & 0777, 0711u);
  ASSERT_EQ(::stat((root_ + "/state/.markers/42.run").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);

  // The run's nonce travels to srun steps in the job's environment.
  std::ifstream marker(root_ + "/state/.markers/42.run");
  std::string text((std::istreambuf_iterator<char>(marker)), {});
  auto m = parse_run_marker(text);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->batch);
  EXPECT_EQ(m->partition, "low");

  watcher_saw_no_preemption(m->run);
  ASSERT_TRUE(p.run(Hook::TaskExit, sp, args_));
  ASSERT_TRUE(sp.errors.empty()) << sp.errors.front();

  FakeStep epilog;
  epilog.ctx = Context::JobScript;
  epilog.vars = {{"SLURMD_NODENAME", "n1"}};
  epilog.options = {{"preempt-requeue", "max=2"}};
  Plugin e;
  ASSERT_TRUE(e.run(Hook::JobEpilog, epilog, args_));
  EXPECT_FALSE(fs::exists(root_ + "/state/42"));
  EXPECT_FALSE(fs::exists(root_ + "/state/.markers/42.run"));
  EXPECT_TRUE(fs::is_empty(root_ + "/state/.quarantine"));
  std::ifstream audit(root_ + "/audit.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(audit, line));
  EXPECT_NE(line.find("\"no-requeue\""), std::string::npos) << line;
  EXPECT_FALSE(std::getline(audit, line)) << "one record, got also: " << line;
}

}  // namespace
}  // namespace gracepack::features

namespace gracepack::features {
namespace {

// The process in /proc: state and parent.
std::pair<char, pid_t> state_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return {'-', 0};
  const auto close = line.rfind(')');
  std::istringstream rest(line.substr(close + 2));
  char state = '-';
  pid_t ppid = 0;
  rest >> state >> ppid;
  return {state, ppid};
}

FakeStep extern_step() {
  FakeStep sp;
  sp.ctx = Context::Remote;
  sp.prog = "slurmstepd";
  sp.step = testing::kExternStep;
  sp.slurm_placeholder = false;  // Slurm 25.05 and later
  return sp;
}

// Issue 17: from Slurm 25.05 the extern step runs gracepack's placeholder, a child of the extern
// slurmstepd that only SIGTERM (or SIGKILL) ends, adopted into the step; reaped at the step's exit.
TEST(ExternPlaceholder, AChildThatOnlySigtermEndsAdoptedAndReaped) {
  Plugin p;
  FakeStep sp = extern_step();
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  EXPECT_TRUE(sp.adopted.empty());  // on v1 the step's task cgroups are not made yet
  ASSERT_TRUE(p.run(Hook::TaskPostFork, sp, {}));
  ASSERT_EQ(sp.adopted.size(), 1u);
  const pid_t holder = sp.adopted.front();
  EXPECT_EQ(state_of(holder).second, ::getpid());  // Slurm signals only its own children
  auto name = [&] {
    std::ifstream comm("/proc/" + std::to_string(holder) + "/comm");
    std::string n;
    comm >> n;
    return n;
  };
  for (int i = 0; i < 200 && name() != "sleep"; ++i)  // until it has exec'd
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(name(), "sleep");  // what the watchers look for (core::find_placeholder)
  ::kill(holder, SIGUSR1);     // a --signal warning, scancel --signal=USR1: no wake-up
  ::kill(holder, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(state_of(holder).first, 'S');
  ::kill(holder, SIGTERM);  // grace start
  for (int i = 0; i < 100 && state_of(holder).first != 'Z'; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(state_of(holder).first, 'Z');
  ASSERT_TRUE(p.run(Hook::Exit, sp, {}));
  EXPECT_EQ(state_of(holder).first, '-');  // reaped
}

// Where Slurm runs its own (up to 24.11), or the admin offers no --preempt-requeue, nothing
// starts; where slurmstepd refuses the adoption, the placeholder ends at once (left in
// slurmstepd's cgroup it would outlive the step).
TEST(ExternPlaceholder, NoneWhereSlurmHasOneOrTheOptionIsOffOrAdoptionIsRefused) {
  {
    Plugin p;
    FakeStep sp = extern_step();
    sp.slurm_placeholder = true;
    ASSERT_TRUE(p.run(Hook::Init, sp, {}));
    ASSERT_TRUE(p.run(Hook::TaskPostFork, sp, {}));
    EXPECT_TRUE(sp.adopted.empty());
  }
  {
    Plugin p;
    FakeStep sp = extern_step();
    ASSERT_TRUE(p.run(Hook::Init, sp, {"preempt_requeue=off"}));
    ASSERT_TRUE(p.run(Hook::TaskPostFork, sp, {"preempt_requeue=off"}));
    EXPECT_TRUE(sp.adopted.empty());
  }
  {
    Plugin p;
    FakeStep sp = extern_step();
    sp.adoption_refused = true;
    ASSERT_TRUE(p.run(Hook::Init, sp, {}));
    ASSERT_TRUE(p.run(Hook::TaskPostFork, sp, {}));
    ASSERT_EQ(sp.infos.size(), 1u);
    EXPECT_NE(sp.infos[0].find("the batch node's reads of it"), std::string::npos);
    ASSERT_TRUE(p.run(Hook::Exit, sp, {}));  // reaped by slurmstepd's exit hook
    // No child of ours is left, running or not.
    for (const auto& e : fs::directory_iterator("/proc")) {
      const std::string n = e.path().filename();
      if (n.find_first_not_of("0123456789") != std::string::npos) continue;
      EXPECT_NE(state_of(std::stoi(n)).second, ::getpid()) << n;
    }
  }
}

}  // namespace
}  // namespace gracepack::features
