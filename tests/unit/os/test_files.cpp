// Root's handling of files a user can write (issue 9 items 1 and 7). Run as root in CI.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "gracepack/os/files.hpp"
#include "gracepack/os/state_dir.hpp"

using namespace gracepack;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/gp-files-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    ::chmod(path_.c_str(), 0755);
    fd_ = os::UniqueFd(::open(path_.c_str(), O_RDONLY | O_DIRECTORY));
  }
  ~TempDir() { (void)os::remove_tree_at(AT_FDCWD, path_); }
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  os::UniqueFd fd_;
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

template <class F>
long long millis(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}

}  // namespace

TEST(HostileFile, OnlyASmallRegularFileWithOneLinkIsRead) {
  TempDir d;
  write(d / "ok", "hello");
  EXPECT_EQ(*os::read_small_file_at(d.fd(), "ok", 100), "hello");
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  Result<std::string> r = fail("unset");
  // A FIFO with no writer would block an open for reading for ever: refused at once.
  EXPECT_LT(millis([&] { r = os::read_small_file_at(d.fd(), "fifo", 100); }), 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not a regular file"), std::string::npos);
  ASSERT_EQ(::symlink((d / "ok").c_str(), (d / "link").c_str()), 0);
  EXPECT_NE(os::read_small_file_at(d.fd(), "link", 100).error().message.find("symbolic link"),
            std::string::npos);
  ASSERT_EQ(::link((d / "ok").c_str(), (d / "hard").c_str()), 0);
  EXPECT_NE(os::read_small_file_at(d.fd(), "hard", 100).error().message.find("2 links"),
            std::string::npos);
  ::unlink((d / "hard").c_str());
  write(d / "big", std::string(200, 'x'));
  EXPECT_FALSE(os::read_small_file_at(d.fd(), "big", 100).ok());
  ::mkdir((d / "dir").c_str(), 0700);
  EXPECT_FALSE(os::read_small_file_at(d.fd(), "dir", 100).ok());
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown((d / "ok").c_str(), 65534, 65534), 0);
    EXPECT_TRUE(os::read_small_file_at(d.fd(), "ok", 100, uid_t{65534}).ok());
    EXPECT_FALSE(os::read_small_file_at(d.fd(), "ok", 100, uid_t{0}).ok());
  }
}

TEST(HostileFile, AtomicWriteNeverFollowsALink) {
  TempDir d;
  write(d / "target", "keep");
  ASSERT_EQ(::symlink((d / "target").c_str(), (d / ".status.tmp").c_str()), 0);
  ASSERT_EQ(::symlink((d / "target").c_str(), (d / "status").c_str()), 0);
  ASSERT_TRUE(os::write_file_atomically(d.fd(), "status", "new", 0600).ok());
  EXPECT_EQ(*os::read_small_file_at(d.fd(), "status", 100), "new");
  EXPECT_EQ(*os::read_small_file_at(d.fd(), "target", 100), "keep");
}

TEST(AuditLog, AppendsOnlyToRootsOwnRegularFile) {
  if (::geteuid() != 0) GTEST_SKIP() << "root's rules";
  TempDir d;
  const std::string log = d / "logs/audit.jsonl";
  ASSERT_TRUE(os::append_line(log, "{\"a\":1}").ok());  // creates the directory and the file
  ASSERT_TRUE(os::append_line(log, "{\"a\":2}").ok());
  EXPECT_EQ(*os::read_file(log), "{\"a\":1}\n{\"a\":2}\n");
  struct stat st {};
  ASSERT_EQ(::stat(log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ::unlink(log.c_str());
  ASSERT_EQ(::mkfifo(log.c_str(), 0666), 0);
  Status s = Ok{};
  EXPECT_LT(millis([&] { s = os::append_line(log, "x"); }), 1000);
  EXPECT_FALSE(s.ok());
  ::unlink(log.c_str());
  write(d / "elsewhere", "root's");
  ASSERT_EQ(::symlink((d / "elsewhere").c_str(), log.c_str()), 0);
  EXPECT_FALSE(os::append_line(log, "x").ok());
  EXPECT_EQ(*os::read_file(d / "elsewhere"), "root's");
  ::unlink(log.c_str());
  write(log, "");
  ASSERT_EQ(::chown(log.c_str(), 65534, 65534), 0);  // a user's file in root's place
  EXPECT_FALSE(os::append_line(log, "x").ok());
  ::chmod((d / "logs").c_str(), 0777);  // a directory anyone may write, not sticky
  ::unlink(log.c_str());
  EXPECT_FALSE(os::append_line(log, "x").ok());
  ::chmod((d / "logs").c_str(), 01777);  // like /tmp: a file of root's there is safe
  EXPECT_TRUE(os::append_line(log, "x").ok());
  // The SlurmUser's log directory with its own file (Debian's /var/log/slurm).
  ::chmod((d / "logs").c_str(), 0755);
  ASSERT_EQ(::chown((d / "logs").c_str(), 65534, 65534), 0);
  ASSERT_EQ(::chown(log.c_str(), 65534, 65534), 0);
  EXPECT_TRUE(os::append_line(log, "y").ok());
}

TEST(RemoveTree, NeverLeavesTheTreeAndNeverFollowsALink) {
  TempDir d;
  write(d / "outside", "keep");
  ::mkdir((d / "job").c_str(), 0700);
  ::mkdir((d / "job/sub").c_str(), 0700);
  write(d / "job/sub/f", "x");
  ::symlink((d / "outside").c_str(), (d / "job/link").c_str());
  ::symlink(d.path().c_str(), (d / "job/sub/up").c_str());
  ::mkfifo((d / "job/fifo").c_str(), 0600);
  ::chmod((d / "job/sub").c_str(), 0500);  // the user made it unwritable
  ::chmod((d / "job").c_str(), 0500);
  ASSERT_TRUE(os::remove_tree_at(d.fd(), "job").ok());
  EXPECT_NE(::access((d / "job").c_str(), F_OK), 0);
  EXPECT_EQ(*os::read_file(d / "outside"), "keep");
}

TEST(StateDir, RefusesADirectoryOthersMayWrite) {
  if (::geteuid() != 0) GTEST_SKIP() << "root's rules";
  TempDir d;
  ::mkdir((d / "state").c_str(), 0777);
  ::chmod((d / "state").c_str(), 0777);
  EXPECT_FALSE(os::StateDir::open(d / "state", false).ok());
  ::chmod((d / "state").c_str(), 0755);
  EXPECT_TRUE(os::StateDir::open(d / "state", false).ok());
  ::symlink((d / "state").c_str(), (d / "via-link").c_str());
  EXPECT_FALSE(os::StateDir::open(d / "via-link", false).ok());
}

// Issue 9 item 7: a directory left by an earlier run (unremovable by its user) is never reused.
TEST(StateDir, ANewRunNeverSeesAnOldRunsFiles) {
  if (::geteuid() != 0) GTEST_SKIP() << "root's rules";
  TempDir d;
  auto dir = os::StateDir::open(d / "state", true);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  ASSERT_TRUE(dir->make_job_dir(7, 65534, 65534).ok());
  write(d / "state/7/watcher", "stale");
  ::chmod((d / "state/7").c_str(), 0500);
  ASSERT_TRUE(dir->make_job_dir(7, 1001, 1001).ok());  // the id wrapped: another user's job
  struct stat st {};
  ASSERT_EQ(::stat((d / "state/7").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1001u);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto gone = dir->read_job_file(7, 1001, "watcher");
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_FALSE(gone->has_value());
  EXPECT_FALSE(dir->has_job_dir(7, 65534));
  // The quarantine is root's alone and keeps nothing that could be removed.
  ASSERT_EQ(::stat((d / "state/.quarantine").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(StateDir, MarkerAndHostileJobFiles) {
  if (::geteuid() != 0) GTEST_SKIP() << "root's rules";
  TempDir d;
  auto dir = os::StateDir::open(d / "state", true);
  ASSERT_TRUE(dir.ok());
  EXPECT_FALSE(dir->read_marker(9)->has_value());
  RunMarker m;
  m.job = 9;
  m.uid = 1001;
  m.gid = 1001;
  m.batch = true;
  m.started = 5;
  m.run = "0011223344556677";
  ASSERT_TRUE(dir->write_marker(m).ok());
  EXPECT_EQ(**dir->read_marker(9), m);
  struct stat ms {};
  ASSERT_EQ(::stat((d / "state/9.run").c_str(), &ms), 0);
  EXPECT_EQ(ms.st_mode & 0777, 0600u);
  ASSERT_TRUE(dir->make_job_dir(9, 1001, 1001).ok());
  ASSERT_EQ(::mkfifo((d / "state/9/watcher").c_str(), 0600), 0);
  ::chown((d / "state/9/watcher").c_str(), 1001, 1001);
  Result<std::optional<std::string>> r = fail("unset");
  EXPECT_LT(millis([&] { r = dir->read_job_file(9, 1001, "watcher"); }), 1000);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(::mkfifo((d / "state/9/watcher.lock").c_str(), 0600), 0);
  EXPECT_FALSE(dir->job_lock_held(9, 1001).ok());
  ::chmod((d / "state/9").c_str(), 0);
  ASSERT_TRUE(dir->clear_job(9).ok());
  EXPECT_NE(::access((d / "state/9").c_str(), F_OK), 0);
  EXPECT_NE(::access((d / "state/9.run").c_str(), F_OK), 0);
}
