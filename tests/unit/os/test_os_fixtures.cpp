// The kernel adapters on fixture trees: /proc and /sys/fs/cgroup as Slurm's cgroup v1 and v2
// plugins leave them (22.05: job_N/step_M/task_K; 24.11: job_N/step_M/{slurm,user/task_K};
// 26.05: <SLUID>/step_M/...).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "gracepack/os/cgroups.hpp"
#include "gracepack/os/proc.hpp"
#include "gracepack/os/topology.hpp"

using namespace gracepack;
namespace fs = std::filesystem;

namespace {

class Fixture {
 public:
  Fixture() {
    char tmpl[] = "/tmp/gp-fixture-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~Fixture() { fs::remove_all(root_); }
  void file(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel) << text;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(root_ + "/" + rel);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  os::CgroupRoots roots() const { return {root_ + "/cgroup", root_ + "/proc"}; }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

std::string stat_line(pid_t pid, const char* comm, pid_t ppid, unsigned long long start) {
  return std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) +
         " 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + std::to_string(start) + " 0 0\n";
}

void process(Fixture& f, pid_t pid, const char* comm, pid_t ppid, uid_t uid) {
  f.file("proc/" + std::to_string(pid) + "/stat", stat_line(pid, comm, ppid, 1000u + pid));
  f.file("proc/" + std::to_string(pid) + "/status",
         "Name:\t" + std::string(comm) + "\nUid:\t" + std::to_string(uid) + "\t0\t0\t0\n");
}

}  // namespace

TEST(CgroupFixture, V1TaskLimitIsWrittenAndReadBack) {
  Fixture f;
  const std::string step = "/slurm_n1/uid_1001/job_5/step_0";
  f.file("proc/self/cgroup", "4:memory:" + step + "\n3:freezer:" + step + "\n");
  f.file("proc/77/cgroup", "4:memory:" + step + "/task_1\n");
  f.file("cgroup/memory" + step + "/task_1/memory.limit_in_bytes", "9223372036854771712\n");
  f.file("cgroup/memory" + step + "/task_1/memory.memsw.limit_in_bytes", "9223372036854771712\n");
  auto st = os::set_task_memory_limit(77, 200u << 20, f.roots());
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(f.read("cgroup/memory" + step + "/task_1/memory.limit_in_bytes"), "209715200");
  EXPECT_EQ(f.read("cgroup/memory" + step + "/task_1/memory.memsw.limit_in_bytes"), "209715200");
}

TEST(CgroupFixture, V2TaskLimitUnderTheStepsUserSubtree) {
  for (const std::string job : {"job_5", "s39XM8MSE2QC00"}) {
    Fixture f;
    const std::string step = "/system.slice/n1_slurmstepd.scope/" + job + "/step_0";
    f.file("proc/self/cgroup", "0::" + step + "/slurm\n");
    f.file("proc/77/cgroup", "0::" + step + "/user/task_0\n");
    f.file("proc/78/cgroup", "0::" + step + "/slurm\n");
    f.file("proc/79/cgroup", "0::" + step + "/user/task_1\n");
    f.file("cgroup" + step + "/user/task_0/memory.max", "max\n");
    f.file("cgroup" + step + "/user/task_1/cgroup.procs", "79\n");  // no memory.max there
    auto st = os::set_task_memory_limit(77, 100u << 20, f.roots());
    ASSERT_TRUE(st.ok()) << job << ": " << st.error().message;
    EXPECT_EQ(f.read("cgroup" + step + "/user/task_0/memory.max"), "104857600");
    st = os::set_task_memory_limit(78, 100u << 20, f.roots());  // slurmstepd's own leaf
    EXPECT_FALSE(st.ok());
    st = os::set_task_memory_limit(79, 100u << 20, f.roots());  // no memory controller there
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.error().message.find("memory controller is not enabled"), std::string::npos);
  }
}

TEST(CgroupFixture, OwnLimitAndJobDirectories) {
  Fixture f;
  f.file("proc/self/cgroup", "0::/system.slice/x.scope/job_9/step_batch/user/task_0\n");
  f.file("cgroup/system.slice/x.scope/job_9/step_batch/user/task_0/memory.max", "104857600\n");
  EXPECT_EQ(*os::own_memory_limit(f.roots()), 104857600u);
  f.file("cgroup/system.slice/x.scope/job_9/step_batch/user/task_0/memory.max", "max\n");
  EXPECT_EQ(*os::own_memory_limit(f.roots()), 0u);
  auto cg = os::own_job_cgroups(f.roots());
  ASSERT_TRUE(cg.ok()) << cg.error().message;
  EXPECT_TRUE(cg->v2);
  EXPECT_EQ(cg->job, f.root() + "/cgroup/system.slice/x.scope/job_9");
  EXPECT_EQ(cg->step, f.root() + "/cgroup/system.slice/x.scope/job_9/step_batch");
  f.file("proc/self/cgroup", "7:freezer:/slurm_n1/uid_1/job_9/step_batch/task_0\n0::/\n");
  cg = os::own_job_cgroups(f.roots());
  ASSERT_TRUE(cg.ok());
  EXPECT_FALSE(cg->v2);
  EXPECT_EQ(cg->job, f.root() + "/cgroup/freezer/slurm_n1/uid_1/job_9");
}

// The watcher's view of the extern step on v2: slurmstepd in step_extern/slurm (listed first),
// Slurm's placeholder and an adopted ssh session under step_extern/user.
TEST(ProcFixture, ProcessesOfACgroupTreeWithTheirParents) {
  Fixture f;
  const std::string ext = "cgroup/job_9/step_extern";
  f.file(ext + "/cgroup.procs", "");
  f.file(ext + "/slurm/cgroup.procs", "299\n");
  f.file(ext + "/user/task_special/cgroup.procs", "300\n400\n");
  process(f, 299, "slurmstepd", 1, 0);
  process(f, 300, "sleep", 299, 0);
  process(f, 400, "bash", 390, 1001);
  process(f, 390, "sshd", 1, 0);
  f.file("proc/1/stat", stat_line(1, "systemd", 0, 1));
  auto procs = os::processes_in(f.root() + "/" + ext, "step_extern", f.root() + "/proc");
  ASSERT_EQ(procs.size(), 3u);
  auto placeholder = find_placeholder(procs);
  ASSERT_TRUE(placeholder.has_value());
  EXPECT_EQ(placeholder->pid, 300);
  EXPECT_EQ(placeholder->start, 1300u);
  EXPECT_TRUE(std::all_of(procs.begin(), procs.end(),
                          [](const ProcessInfo& p) { return p.step == "step_extern"; }));
}

TEST(TopologyFixture, SmtSiblingsShareACoreAndHugeIdsDoNotOverflow) {
  Fixture f;
  const std::string cpu = "sys/devices/system/cpu/cpu";
  for (int c : {0, 1, 2}) {
    f.file(cpu + std::to_string(c) + "/topology/physical_package_id",
           c == 2 ? "2147483647\n" : "0\n");
    f.file(cpu + std::to_string(c) + "/topology/core_id", c == 2 ? "2147483647\n" : "4\n");
  }
  f.file("sys/devices/system/node/node1/cpulist", "0-1\n");
  auto cpus = os::describe_cpus({0, 1, 2, 3}, f.root() + "/sys");
  ASSERT_EQ(cpus.size(), 4u);
  EXPECT_EQ(cpus[0].core, cpus[1].core);  // SMT siblings
  EXPECT_NE(cpus[0].core, cpus[2].core);
  EXPECT_NE(cpus[2].core, cpus[3].core);  // cpu3: no topology, its own core
  EXPECT_EQ(cpus[0].numa, 1);
  EXPECT_EQ(cpus[3].numa, -1);
}

// Issue 16 item 11 (and the review of its fix): the node's name comes from a socket this process
// holds, as getsockname(2) names it; a socket path that carries a line break (which would forge a
// line of /proc/net/unix) is read as the one path it is.
TEST(StepdSocketFixture, TheProcessesOwnBoundSocketNamesTheNode) {
  char tmpl[] = "/tmp/gp-sock-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto bound = [](const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << path;
    return fd;
  };
  EXPECT_FALSE(os::stepd_socket(7, 0).has_value());
  const std::string evil_dir = dir + "/x\n0: 2 0 0 1 1 9 n9_7.0";
  ASSERT_EQ(::mkdir(evil_dir.c_str(), 0700), 0);
  const int evil = bound(evil_dir + "/s");
  EXPECT_FALSE(os::stepd_socket(7, 0).has_value());
  const int mine = bound(dir + "/gp2_7.0");
  auto s = os::stepd_socket(7, 0);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->node, "gp2");
  EXPECT_EQ(s->dir, dir);
  EXPECT_FALSE(os::stepd_socket(7, 1).has_value());
  ::close(evil);
  ::close(mine);
  std::filesystem::remove_all(dir);
}

// Issue 21 item 2: before every signal the watcher sends, the handle must name the process it
// read: a pid whose start time changed (reused by another process) is refused, by open_process
// and, without a pidfd, by signal_process. Also the real /proc: NSpid and the namespace inodes.
TEST(ProcFixture, ARecycledPidIsNeverOpenedNorSignalled) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto info = os::read_process(child);
  ASSERT_TRUE(info.has_value());
  EXPECT_FALSE(info->nspid.empty());
  EXPECT_EQ(info->nspid.front(), child);
  EXPECT_NE(info->mnt_ns, 0u);
  ProcessInfo reused = *info;
  reused.start += 1;  // what the pid's next owner would show
  EXPECT_FALSE(os::open_process(reused).ok());
  os::ProcessHandle stale{os::UniqueFd(), reused};  // no pidfd: the pid and start time only
  EXPECT_FALSE(os::signal_process(stale, SIGKILL).ok());
  auto h = os::open_process(*info);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_TRUE(os::signal_process(*h, SIGKILL).ok());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
}
