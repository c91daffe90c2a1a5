// The helpers' cgroup on this machine's real cgroup tree (v1 freezer or v2), as root: whatever a
// helper leaves behind (a detached descendant that ignores SIGTERM) ends with end_helpers().
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "gracepack/os/files.hpp"
#include "gracepack/os/helper_cgroup.hpp"
#include "gracepack/os/process.hpp"

using namespace gracepack;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr long kCgroup2Magic = 0x63677270;

// A scratch parent cgroup for the test, or "" where this machine has none to give.
std::string scratch_parent(bool& v2) {
  struct statfs st {};
  if (::geteuid() != 0 || ::statfs("/sys/fs/cgroup", &st) != 0) return "";
  v2 = st.f_type == kCgroup2Magic;
  const std::string root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/freezer";
  const std::string dir = root + "/gracepack-unit-" + std::to_string(::getpid());
  if (::mkdir(dir.c_str(), 0755) != 0) return "";
  return dir;
}

// Still running: present and not a zombie waiting for a reaper that is not us.
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

std::vector<pid_t> procs(const std::string& dir) {
  std::vector<pid_t> out;
  std::ifstream in(dir + "/cgroup.procs");
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

}  // namespace

TEST(HelperCgroup, EndsAHelpersDetachedDescendantsAndRemovesItself) {
  bool v2 = false;
  const std::string parent = scratch_parent(v2);
  if (parent.empty()) GTEST_SKIP() << "needs root and a writable cgroup tree";
  const os::HelperCgroup cg{parent + "/gracepack", v2};
  os::SpawnOptions o;
  // The helper starts a grandchild in a session of its own that ignores SIGTERM, then waits.
  o.argv = {"/bin/sh", "-c", "setsid sh -c 'trap \"\" TERM; exec sleep 1000' & exec sleep 1000"};
  o.cgroup = cg.dir;
  auto child = os::spawn(o);
  ASSERT_TRUE(child.ok()) << child.error().message;
  for (int i = 0; i < 500 && procs(cg.dir).size() < 2; ++i) std::this_thread::sleep_for(10ms);
  const std::vector<pid_t> inside = procs(cg.dir);
  ASSERT_EQ(inside.size(), 2u) << "the helper and its grandchild joined the helper cgroup";
  ASSERT_TRUE(os::end_helpers(cg, 5s).ok());
  EXPECT_FALSE(fs::exists(cg.dir));
  child->wait_for(1s);
  for (pid_t p : inside) EXPECT_FALSE(alive(p)) << p;
  EXPECT_TRUE(os::end_helpers(cg, 1s).ok()) << "a missing helper cgroup is nothing to do";
  ::rmdir(parent.c_str());
}

// A helper that cannot join its cgroup never runs (it would stay beside slurmstepd).
TEST(HelperCgroup, AHelperThatCannotJoinItsCgroupDoesNotRun) {
  char tmpl[] = "/tmp/gp-nocg-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  os::SpawnOptions o;
  o.argv = {"/bin/sh", "-c", std::string("touch ") + tmpl + "/ran"};
  o.cgroup = std::string(tmpl) + "/no/such/cgroup";
  auto rc = os::run(o, 5s);
  ASSERT_TRUE(rc.ok()) << rc.error().message;
  EXPECT_EQ(*rc, 125);
  EXPECT_FALSE(fs::exists(std::string(tmpl) + "/ran"));
  fs::remove_all(tmpl);
}

// Descriptors handed to a child arrive as 3, 4, ... and no other descriptor of the caller does.
TEST(Process, HandsOverTheDescriptorsItIsToldAndNoOther) {
  int a[2], b[2];
  ASSERT_EQ(::pipe(a), 0);
  ASSERT_EQ(::pipe(b), 0);
  const int stray = ::dup(a[1]);  // not close-on-exec: a careless spawner would leak it
  ASSERT_GT(stray, 4);
  os::SpawnOptions o;
  o.argv = {"/bin/sh", "-c",
            "echo three >&3; echo four >&4; [ -e /proc/self/fd/" + std::to_string(stray) +
                " ] && echo leaked >&3; exit 0"};
  o.pass_fds = {b[1], a[1]};  // b becomes 3, a becomes 4
  auto rc = os::run(o, 5s);
  ASSERT_TRUE(rc.ok()) << rc.error().message;
  ::close(a[1]);
  ::close(b[1]);
  ::close(stray);
  char buf[64] = {};
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(::read(b[0], buf, sizeof buf))), "three\n");
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(::read(a[0], buf, sizeof buf))), "four\n");
  ::close(a[0]);
  ::close(b[0]);
}
