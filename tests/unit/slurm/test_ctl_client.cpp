// The client side of gracepack-ctl against a stand-in program that answers as gracepack-ctl does.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "gracepack/slurm/ctl_client.hpp"

using namespace gracepack;

namespace {

std::string fake_ctl(const std::string& body) {
  char tmpl[] = "/tmp/gp-ctl-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  ::close(fd);
  std::ofstream(tmpl) << "#!/bin/sh\n" << body << "\n";
  ::chmod(tmpl, 0755);
  return tmpl;
}

}  // namespace

TEST(CtlClient, ReadsTheRecordAndTellsRefusalsFromSilence) {
  const std::string ok = fake_ctl(
      "[ \"$1\" = job-full ] && [ \"$2\" = 42 ] || exit 3\n"
      "printf 'job_id=42\\nstate=RUNNING\\nuser=1001\\npreempt_time=100\\nconf=%s\\n' x | "
      "grep -v conf\n");
  slurm::CtlController ctl(ok, {"PATH=/usr/bin:/bin"});
  auto r = ctl.load_job(42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->preempt_time, 100);
  EXPECT_EQ(r->user, 1001u);
  EXPECT_FALSE(ctl.load_job(43).ok());  // it answered for another job: refused
  ::unlink(ok.c_str());

  const std::string down = fake_ctl("echo 'error=Unable to contact slurm controller'; exit 2");
  slurm::CtlController away(down, {});
  auto e = away.requeue("42_1");
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(e.error().transient);
  EXPECT_EQ(e.error().message, "Unable to contact slurm controller");
  ::unlink(down.c_str());

  const std::string no = fake_ctl("echo 'error=Requested operation is presently disabled'; exit 1");
  slurm::CtlController refusing(no, {});
  e = refusing.requeue("42");
  ASSERT_FALSE(e.ok());
  EXPECT_FALSE(e.error().transient);
  ::unlink(no.c_str());

  const std::string hang = fake_ctl("exec sleep 30");
  slurm::CtlController hung(hang, {}, std::chrono::milliseconds(200));
  e = hung.requeue("42");
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(e.error().transient);  // no answer in time: slurmctld may answer later
  ::unlink(hang.c_str());
}

// Issue 16 item 4: under the epilog's deadline a call is cut to the time left and none starts
// after it, whatever the per-call timeout (30 s) says; a job epilog that retries with it ends
// before the deadline.
// Issue 20: both the epilog and the watcher ask for the whole record (job-full: the allocation,
// the QOS and the preemption count). A gracepack-ctl of an earlier release (a package half
// upgraded) answers "usage" to it: the epilog then asks for what issue 19's knew (job-alloc), the
// watcher for what every release knows (job).
TEST(CtlClient, EachReaderFallsBackToWhatAnOlderCtlKnows) {
  const std::string ctl_path = fake_ctl(
      "case \"$1\" in\n"
      "  job-full) printf 'job_id=42\\nstate=RUNNING\\nalloc_nodes=1\\nalloc_cpus=4\\n"
      "alloc_gpus=2\\nalloc_gpu_types=a100:2\\nqos=scav\\npreemptions=2\\n' ;;\n"
      "  *) exit 3 ;;\n"
      "esac\n");
  slurm::CtlController watcher(ctl_path, {"PATH=/usr/bin:/bin"});
  auto r = watcher.load_job(42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->preemptions, 2u);
  EXPECT_EQ(r->qos, "scav");
  slurm::CtlController epilog(ctl_path, {"PATH=/usr/bin:/bin"});
  epilog.want_allocation();
  r = epilog.load_job(42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->alloc, (Allocation{1, 4, 2, "a100:2"}));
  EXPECT_EQ(r->preemptions, 2u);
  ::unlink(ctl_path.c_str());
  const std::string old_ctl = fake_ctl(
      "case \"$1\" in\n"
      "  job) printf 'job_id=42\\nstate=RUNNING\\n' ;;\n"
      "  job-alloc) printf 'job_id=42\\nstate=RUNNING\\nalloc_nodes=1\\nalloc_cpus=4\\n"
      "alloc_gpus=2\\nalloc_gpu_types=a100:2\\n' ;;\n"
      "  *) echo 'error=usage: gracepack-ctl job|job-alloc JOBID'; exit 3 ;;\n"
      "esac\n");
  slurm::CtlController old_watcher(old_ctl, {"PATH=/usr/bin:/bin"});
  r = old_watcher.load_job(42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->alloc.known());
  slurm::CtlController old_epilog(old_ctl, {"PATH=/usr/bin:/bin"});
  old_epilog.want_allocation();
  r = old_epilog.load_job(42);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->alloc, (Allocation{1, 4, 2, "a100:2"}));
  EXPECT_EQ(r->preemptions, 0u);
  ::unlink(old_ctl.c_str());
}

TEST(CtlClient, NoCallOutlivesTheDeadline) {
  const std::string hang = fake_ctl("exec sleep 30");
  slurm::CtlController hung(hang, {});  // 30 s a call
  const auto t0 = std::chrono::steady_clock::now();
  hung.set_deadline(t0 + std::chrono::milliseconds(400));
  auto e = hung.requeue("42");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(e.error().transient);
  // Far below the 30 s the call would take without the deadline, and far above the 0.4 s: a
  // loaded machine (the e2e tests run beside the unit tests) once took over 2 s to start and end
  // the stand-in.
  EXPECT_LT(took, std::chrono::seconds(10));
  auto late = hung.load_job(42);
  ASSERT_FALSE(late.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_NE(late.error().message.find("time for slurmctld is over"), std::string::npos)
      << late.error().message;
  ::unlink(hang.c_str());
}
