#include <gtest/gtest.h>

#include "gracepack/cgroup.hpp"
#include "gracepack/cpuset.hpp"

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
