// Root's handling of files a user can write (issue 9 items 1 and 7). Run as root in CI.
#include <dirent.h>
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
  ~TempDir() { (void)os::remove_tree_at(AT_FDCWD, path_, soon()); }
  static std::chrono::steady_clock::time_point soon() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(30);
  }
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

// Issue 19 item 2: the checkpoint acknowledgement file is the job's: whatever is there, the
// reading never blocks, never follows a link, reads at most 4096 bytes, and says why it is none.
TEST(AckFile, WhateverIsThereNothingBlocksNorIsFollowed) {
  TempDir d;
  EXPECT_FALSE(os::read_ack_file(d / "missing").value().has_value());
  write(d / "ok", "step 12000\nmore");
  struct timespec times[2] = {{0, UTIME_OMIT}, {1700000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (d / "ok").c_str(), times, 0), 0);
  auto ok = os::read_ack_file(d / "ok");
  ASSERT_TRUE(ok.ok() && ok->has_value());
  EXPECT_EQ((*ok)->mtime, 1700000000);
  EXPECT_EQ((*ok)->label, "step 12000");
  write(d / "empty", "");
  ASSERT_TRUE(os::read_ack_file(d / "empty").value().has_value());
  EXPECT_EQ((*os::read_ack_file(d / "empty"))->label, "");

  auto why = [&](const std::string& name) {
    Result<std::optional<AckFile>> r = fail("unset");
    EXPECT_LT(millis([&] { r = os::read_ack_file(d / name); }), 1000) << name;
    return r.ok() ? std::string("(read)") : r.error().message;
  };
  ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(why("fifo"), "it is a FIFO");
  ASSERT_EQ(::symlink((d / "ok").c_str(), (d / "link").c_str()), 0);
  EXPECT_EQ(why("link"), "it is a symbolic link");
  ASSERT_EQ(::symlink("/dev/zero", (d / "devlink").c_str()), 0);
  EXPECT_EQ(why("devlink"), "it is a symbolic link");
  ASSERT_EQ(::mkdir((d / "dir").c_str(), 0700), 0);
  EXPECT_EQ(why("dir"), "it is a directory");
  // A sparse file of a terabyte: refused on its size, nothing read.
  {
    os::UniqueFd fd(::open((d / "sparse").c_str(), O_WRONLY | O_CREAT, 0600));
    ASSERT_EQ(::ftruncate(fd.get(), off_t{1} << 40), 0);
  }
  EXPECT_NE(why("sparse").find("more than 4096"), std::string::npos);
  write(d / "big", std::string(4097, 'x'));
  EXPECT_NE(why("big").find("more than 4096"), std::string::npos);
  write(d / "max", std::string(4096, 'x'));
  EXPECT_EQ(why("max"), "(read)");
  // Someone else's file (planted in a shared directory) is not the job's word; one that group or
  // others may write is read, and says so (it does not end a run: return_grace).
  if (::geteuid() == 0) {
    write(d / "theirs", "step 1");
    ASSERT_EQ(::chown((d / "theirs").c_str(), 65534, 65534), 0);
    EXPECT_EQ(why("theirs"), "it belongs to uid 65534, not to the job's user");
  }
  write(d / "shared", "step 1");
  ASSERT_EQ(::chmod((d / "shared").c_str(), 0664), 0);
  EXPECT_TRUE((*os::read_ack_file(d / "shared"))->others_may_write);
  ASSERT_EQ(::chmod((d / "shared").c_str(), 0644), 0);
  EXPECT_FALSE((*os::read_ack_file(d / "shared"))->others_may_write);
}

// The watcher's status is rewritten in one write, padded, never truncated: a reader (or a
// SIGKILL between two calls) never sees a mix of two versions.
TEST(RewritePadded, OneWriteThatLeavesNoTail) {
  TempDir d;
  os::UniqueFd fd(::open((d / "status").c_str(), O_RDWR | O_CREAT, 0600));
  ASSERT_TRUE(os::rewrite_padded(fd.get(), "a=1\nb=2\nc=3\n").ok());
  ASSERT_TRUE(os::rewrite_padded(fd.get(), "a=9\n").ok());
  auto text = os::read_whole(fd.get(), 4096);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "a=9\n" + std::string(8, '\n'));
  ASSERT_TRUE(os::rewrite_padded(fd.get(), "a=1\nb=2\nc=3\nd=4\n").ok());
  EXPECT_EQ(*os::read_whole(fd.get(), 4096), "a=1\nb=2\nc=3\nd=4\n");
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
  ASSERT_TRUE(os::remove_tree_at(d.fd(), "job", TempDir::soon()).ok());
  EXPECT_NE(::access((d / "job").c_str(), F_OK), 0);
  EXPECT_EQ(*os::read_file(d / "outside"), "keep");
}

// Issue 16 item 2: any depth (the review left a 70-deep chain in the quarantine for good, at a
// limit of 64) and any number of entries, with no more than 64 directories open at once.
TEST(RemoveTree, AnyDepthAndAnySizeWithFewDescriptors) {
  TempDir d;
  std::string path = d / "deep";
  ::mkdir(path.c_str(), 0700);
  for (int i = 0; i < 300; ++i) {
    path += "/d";
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0) << i;
    write(path + "/f", "x");
  }
  ::mkdir((d / "wide").c_str(), 0700);
  for (int i = 0; i < 3000; ++i) write(d / ("wide/f" + std::to_string(i)), "");
  // A subtree deeper than the descriptors held moves up as a new entry of the directory: done
  // when the directory lists nothing, as the quarantine's sweep does.
  auto names = [&] {
    std::vector<std::string> out;
    DIR* dir = ::opendir(d.path().c_str());
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') out.emplace_back(e->d_name);
    }
    ::closedir(dir);
    return out;
  };
  int rounds = 0;
  for (auto left = names(); !left.empty() && rounds < 50; left = names(), ++rounds) {
    for (const auto& n : left) ASSERT_TRUE(os::remove_tree_at(d.fd(), n, TempDir::soon()).ok());
  }
  EXPECT_TRUE(names().empty());
  EXPECT_GT(rounds, 1) << "300 levels need more than 64 descriptors: some subtree moved up";
}

// Out of time, the rest stays in place for a later call.
TEST(RemoveTree, StopsAtItsDeadlineAndGoesOnLater) {
  TempDir d;
  ::mkdir((d / "t").c_str(), 0700);
  for (int i = 0; i < 100; ++i) write(d / ("t/f" + std::to_string(i)), "");
  auto st = os::remove_tree_at(d.fd(), "t", std::chrono::steady_clock::now());
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.error().transient);
  EXPECT_EQ(::access((d / "t").c_str(), F_OK), 0);
  EXPECT_TRUE(os::remove_tree_at(d.fd(), "t", TempDir::soon()).ok());
  EXPECT_NE(::access((d / "t").c_str(), F_OK), 0);
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

// Issue 9 item 7, issue 16 items 2 and 10: a directory left by an earlier run (even a user's
// tree of an older release) is never reused: set aside at once, removed by the sweep.
TEST(StateDir, ANewRunNeverSeesAnOldRunsFiles) {
  if (::geteuid() != 0) GTEST_SKIP() << "root's rules";
  TempDir d;
  auto dir = os::StateDir::open(d / "state", true);
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  ASSERT_EQ(::mkdir((d / "state/7").c_str(), 0700), 0);  // an older release's user directory
  std::string deep = d / "state/7/deep";
  for (int i = 0; i < 150; ++i, deep += "/d") ASSERT_EQ(::mkdir(deep.c_str(), 0700), 0);
  write(d / "state/7/watcher", "stale");
  ::chown((d / "state/7").c_str(), 65534, 65534);
  ::chmod((d / "state/7").c_str(), 0500);
  ASSERT_TRUE(dir->make_job_dir(7, "0011223344556677").ok());
  struct stat st {};
  ASSERT_EQ(::stat((d / "state/7").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_mode & 0777, 0711u);
  auto status = dir->read_job_file(7, "watcher");
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(**status, "");
  EXPECT_TRUE(dir->has_run_dir(7, "0011223344556677"));
  EXPECT_FALSE(dir->has_run_dir(7, "7766554433221100"));
  // Set aside in the root-only quarantine, removed by the sweep.
  ASSERT_EQ(::stat((d / "state/.quarantine").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_TRUE(dir->sweep_quarantine(std::chrono::seconds(5)).ok());
  DIR* q = ::opendir((d / "state/.quarantine").c_str());
  int left = 0;
  while (dirent* e = ::readdir(q)) left += e->d_name[0] != '.';
  ::closedir(q);
  EXPECT_EQ(left, 0);
}

// Issue 16 items 2, 3 and 5: everything is root's. Markers sit in a root-only directory (no
// user can reach one, so none can hard-link it where protected_hardlinks=0); the run's files are
// root's and the watcher gets descriptors, so the job's user can neither fill nor forge them.
TEST(StateDir, EverythingIsRootsAndMarkersAreOutOfReach) {
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
  ASSERT_EQ(::stat((d / "state/.markers").c_str(), &ms), 0);
  EXPECT_EQ(ms.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((d / "state/.markers/9.run").c_str(), &ms), 0);
  EXPECT_EQ(ms.st_mode & 0777, 0600u);
  ASSERT_TRUE(dir->make_job_dir(9, m.run).ok());
  for (const auto& [name, mode] :
       {std::pair{"notice.0011223344556677", 0644}, std::pair{"lock.0011223344556677", 0644},
        std::pair{"watcher", 0600}}) {
    ASSERT_EQ(::stat((d / "state/9/" + name).c_str(), &ms), 0) << name;
    EXPECT_EQ(ms.st_uid, 0u) << name;
    EXPECT_EQ(ms.st_mode & 0777, static_cast<unsigned>(mode)) << name;
  }
  EXPECT_EQ(dir->notice_path(9, m.run), d / "state/9/notice.0011223344556677");
  // The watcher's descriptors: status read and written in place, the notice written.
  auto files = dir->open_run_files(9, m.run);
  ASSERT_TRUE(files.ok()) << files.error().message;
  ASSERT_TRUE(os::rewrite_whole(files->status.get(), "run=x\nstate=long\n").ok());
  ASSERT_TRUE(os::rewrite_whole(files->status.get(), "short\n").ok());
  EXPECT_EQ(*os::read_whole(files->status.get(), 4096), "short\n");
  EXPECT_EQ(**dir->read_job_file(9, "watcher"), "short\n");
  EXPECT_FALSE(*dir->job_lock_held(9, m.run));
  // A file that is not root's, or a link, is refused without blocking.
  ASSERT_EQ(::unlink((d / "state/9/watcher").c_str()), 0);
  ASSERT_EQ(::mkfifo((d / "state/9/watcher").c_str(), 0600), 0);
  Result<std::optional<std::string>> r = fail("unset");
  EXPECT_LT(millis([&] { r = dir->read_job_file(9, "watcher"); }), 1000);
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(dir->clear_job(9).ok());
  EXPECT_NE(::access((d / "state/9").c_str(), F_OK), 0);
  EXPECT_NE(::access((d / "state/.markers/9.run").c_str(), F_OK), 0);
  ASSERT_TRUE(dir->sweep_quarantine(std::chrono::seconds(5)).ok());
}
