#include <gtest/gtest.h>

#include "gracepack/core/base/cgroup_path.hpp"
#include "gracepack/core/base/cpuset.hpp"

using namespace gracepack;

TEST(CpuList, ParseAndFormat) {
  EXPECT_EQ(*parse_cpu_list("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(*parse_cpu_list("3,1,2,1"), (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(parse_cpu_list("")->empty());
  for (const char* bad : {"a", "1-", "-1", "3-1", "1,,2", "1-2-3", "70000"}) {
    EXPECT_FALSE(parse_cpu_list(bad).ok()) << bad;
  }
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(format_cpu_list({5}), "5");
  EXPECT_EQ(format_cpu_list({}), "");
}

TEST(Cgroup, ParsesV1AndV2) {
  auto e = parse_proc_cgroup(
      "6:freezer:/slurm_n/uid_1/job_3\n4:memory:/slurm_n/uid_1/job_3/step_0/task_1\n"
      "3:cpuset:/slurm_n/uid_1/job_3/step_0\n0::/\n");
  ASSERT_TRUE(e.ok());
  auto m = memory_cgroup(*e);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->v2);
  EXPECT_EQ(m->path, "/slurm_n/uid_1/job_3/step_0/task_1");

  auto v2 = parse_proc_cgroup("0::/system.slice/slurmstepd.scope/job_3/step_0/user/task_0\n");
  ASSERT_TRUE(v2.ok());
  m = memory_cgroup(*v2);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->v2);

  EXPECT_FALSE(parse_proc_cgroup("garbage").ok());
  EXPECT_FALSE(parse_proc_cgroup("4:memory:relative").ok());
  EXPECT_FALSE(memory_cgroup(*parse_proc_cgroup("3:cpuset:/a\n")).has_value());
}

TEST(Cgroup, StrictlyBelow) {
  EXPECT_TRUE(strictly_below("/a/step_0/task_1", "/a/step_0"));
  EXPECT_FALSE(strictly_below("/a/step_0", "/a/step_0"));
  EXPECT_FALSE(strictly_below("/a/step_01/task_1", "/a/step_0"));
  EXPECT_FALSE(strictly_below("/a/step_0/../../x", "/a/step_0"));
  EXPECT_FALSE(strictly_below("/a/step_0/..", "/a/step_0"));
  EXPECT_FALSE(strictly_below("/a/step_0//x", "/a/step_0"));
  EXPECT_FALSE(strictly_below("relative/x", "relative"));
  EXPECT_TRUE(strictly_below("/x", "/"));
  EXPECT_FALSE(strictly_below("/", "/"));
}

TEST(StepCgroup, FindsJobAndStepForJobIdsAndSluids) {
  auto s = step_cgroup("/slurm_n1/uid_1001/job_5/step_batch/task_0");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->job, "/slurm_n1/uid_1001/job_5");
  EXPECT_EQ(s->step, "/slurm_n1/uid_1001/job_5/step_batch");
  s = step_cgroup("/system.slice/slurmstepd.scope/job_7/step_0/user/task_1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->step, "/system.slice/slurmstepd.scope/job_7/step_0");
  // Slurm 26.05 names a job's cgroup after its SLUID unless CgroupJobIdPaths=yes.
  s = step_cgroup("/system.slice/localhost_slurmstepd.scope/s39XM8MSE2QC00/step_batch/user/task_0");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->job, "/system.slice/localhost_slurmstepd.scope/s39XM8MSE2QC00");
  EXPECT_FALSE(step_cgroup("/user.slice/session-1.scope").has_value());
  EXPECT_FALSE(step_cgroup("/step_0/job_1").has_value());
  EXPECT_FALSE(step_cgroup("/x/job_/step_0").has_value());
  EXPECT_FALSE(step_cgroup("/x/sILOU123456789/step_0").has_value());  // not Crockford base32
}

// Issue 10: on cgroup v2 slurmstepd sits in step_N/slurm and the tasks in step_N/user/task_M.
TEST(TaskLimit, AllowedOnlyForTheStepsTasks) {
  EXPECT_TRUE(task_limit_allowed("/a/job_5/step_0/task_1", "/a/job_5/step_0").ok());  // v1
  EXPECT_TRUE(task_limit_allowed("/s/job_5/step_0/user/task_1", "/s/job_5/step_0/slurm").ok());
  EXPECT_TRUE(
      task_limit_allowed("/s/s39XM8MSE2QC00/step_0/user/task_0", "/s/s39XM8MSE2QC00/step_0/slurm")
          .ok());
  EXPECT_FALSE(task_limit_allowed("/s/job_5/step_0/slurm", "/s/job_5/step_0/slurm").ok());
  EXPECT_FALSE(task_limit_allowed("/s/job_5/step_1/user/task_0", "/s/job_5/step_0/slurm").ok());
  EXPECT_FALSE(task_limit_allowed("/s/job_6/step_0/user/task_0", "/s/job_5/step_0/slurm").ok());
  EXPECT_FALSE(task_limit_allowed("/a/job_5/step_0", "/a/job_5/step_0").ok());
  EXPECT_FALSE(
      task_limit_allowed("/a/job_5/step_0/../../job_6/step_0/task_0", "/a/job_5/step_0").ok());
  EXPECT_FALSE(task_limit_allowed("/user.slice/x", "/a/job_5/step_0").ok());
}

TEST(HelperCgroup, BelowUserOnV2AndInTheStepsFreezerOnV1) {
  EXPECT_EQ(step_dir_name(0xfffffffbU), "step_batch");
  EXPECT_EQ(step_dir_name(0xfffffffcU), "step_extern");
  EXPECT_EQ(step_dir_name(3), "step_3");
  // v2: slurmstepd in <step>/slurm; the helpers below user/, where Slurm's cgroup.kill reaches.
  EXPECT_EQ(helper_cgroup({true, "/system.slice/n_slurmstepd.scope/job_7/step_0/slurm"}, "step_0"),
            "/system.slice/n_slurmstepd.scope/job_7/step_0/user/gracepack");
  EXPECT_EQ(helper_cgroup({true, "/s/s39XM8MSE2QC00/step_2/slurm"}, "step_2"),
            "/s/s39XM8MSE2QC00/step_2/user/gracepack");
  // v1: Slurm keeps slurmstepd in the job's freezer cgroup (measured on 22.05).
  EXPECT_EQ(helper_cgroup({false, "/slurm_n/uid_1001/job_5"}, "step_0"),
            "/slurm_n/uid_1001/job_5/step_0/gracepack");
  EXPECT_EQ(helper_cgroup({false, "/slurm_n/uid_1001/job_5/step_0"}, "step_0"),
            "/slurm_n/uid_1001/job_5/step_0/gracepack");
  EXPECT_FALSE(helper_cgroup({false, "/user.slice"}, "step_0").has_value());
  EXPECT_FALSE(helper_cgroup({true, "/"}, "step_0").has_value());
  EXPECT_FALSE(helper_cgroup({false, "/slurm_n/uid_1/job_5"}, "step_0/../x").has_value());
  EXPECT_FALSE(helper_cgroup({false, "/slurm_n/uid_1/job_5"}, "../x").has_value());
}

TEST(HelperCgroup, TheNoticeReachesTasksNotSlurmstepdNorHelpers) {
  EXPECT_TRUE(job_task_cgroup("user/task_0", true));
  EXPECT_TRUE(job_task_cgroup("user/task_1/app", true));
  EXPECT_FALSE(job_task_cgroup("slurm", true));
  EXPECT_FALSE(job_task_cgroup("user/gracepack", true));
  EXPECT_FALSE(job_task_cgroup("", true));
  EXPECT_TRUE(job_task_cgroup("", false));
  EXPECT_FALSE(job_task_cgroup("gracepack", false));
}
