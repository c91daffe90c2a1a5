#include <gtest/gtest.h>

#include "gracepack/core/base/config.hpp"

using gracepack::Config;
using gracepack::parse_config;

TEST(Config, DefaultsWithNoArguments) {
  auto c = parse_config({});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->pack_gpus);
  EXPECT_TRUE(c->preempt_requeue);
}

TEST(Config, SwitchesOptionsOff) {
  auto c = parse_config({"pack_gpus=off", "preempt_requeue=no"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->pack_gpus);
  EXPECT_FALSE(c->preempt_requeue);
}

TEST(Config, UnknownKeyIsNamed) {
  auto c = parse_config({"pack_gpus=on", "frobnicate=1"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("unknown key 'frobnicate'"), std::string::npos);
  EXPECT_NE(c.error().message.find("known keys:"), std::string::npos);
}

TEST(Config, BadValueNamesKeyAndAcceptedValues) {
  auto c = parse_config({"pack_gpus=maybe"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("pack_gpus=maybe"), std::string::npos);
  EXPECT_NE(c.error().message.find("expected on or off"), std::string::npos);
}

TEST(Config, RejectsWordsWithoutValue) {
  for (const char* arg : {"pack_gpus", "=on", ""}) {
    auto c = parse_config({arg});
    EXPECT_FALSE(c.ok()) << arg;
  }
}

TEST(Config, RejectsRepeatedKey) {
  auto c = parse_config({"pack_gpus=on", "pack_gpus=off"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("given twice"), std::string::npos);
}

TEST(Config, DescribeShowsValuesInForce) {
  auto c = parse_config({"pack_gpus=off"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(
      describe(*c),
      "max_requeue=5 max_other_requeue=5 audit_log=/var/log/slurm/gracepack-audit.jsonl "
      "poll_interval=5 "
      "ctld_wait=120 notify_shell=off return_grace=off state_dir=/run/gracepack pack_gpus=off "
      "preempt_requeue=on "
      "min_task_mem=0 mps=off "
      "mps_control=/usr/bin/nvidia-cuda-mps-control nvidia_smi=/usr/bin/nvidia-smi");
}

TEST(Config, StateDirPerNode) {
  auto c = parse_config({"state_dir=/run/gracepack-%n"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(node_state_dir(*c, "gp2"), "/run/gracepack-gp2");
  EXPECT_EQ(node_state_dir(*c, "../etc"), "/run/gracepack-unknown");
  EXPECT_EQ(node_state_dir(*c, ""), "/run/gracepack-unknown");
  EXPECT_EQ(node_state_dir(*parse_config({}), "gp2"), "/run/gracepack");
}

TEST(Config, PackingKeys) {
  auto c = parse_config(
      {"min_task_mem=2G", "gpu_cpus=0:0-3,8;1:4-7", "mps=on", "mps_control=/opt/bin/mps"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->min_task_memory, 2ull << 30);
  ASSERT_EQ(c->gpu_cpus.size(), 2u);
  EXPECT_EQ(c->gpu_cpus.at("0"), (std::vector<int>{0, 1, 2, 3, 8}));
  EXPECT_EQ(c->gpu_cpus.at("1"), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_TRUE(c->mps);
  EXPECT_EQ(c->mps_control, "/opt/bin/mps");
}

TEST(Config, BadPackingValues) {
  for (const char* arg :
       {"min_task_mem=lots", "gpu_cpus=0", "gpu_cpus=0:x", "gpu_cpus=:1", "gpu_cpus=0:1;0:2",
        "mps=maybe", "mps_control=", "mps_control=bin/mps", "nvidia_smi=./nvidia-smi",
        "mps_control=/opt/../bin/mps", "nvidia_smi=.."}) {
    auto c = parse_config({arg});
    ASSERT_FALSE(c.ok()) << arg;
    const std::string key(arg, std::string(arg).find('='));
    EXPECT_NE(c.error().message.find(key), std::string::npos) << c.error().message;
  }
}

// Issue 16 item 1: slurmstepd starts the MPS programs from absolute paths unless the admin
// writes a bare name, which is then looked up in the job's PATH.
TEST(Config, HelperProgramsAreAbsoluteUnlessTheAdminWritesAName) {
  const Config d;
  EXPECT_EQ(d.mps_control, "/usr/bin/nvidia-cuda-mps-control");
  EXPECT_EQ(d.nvidia_smi, "/usr/bin/nvidia-smi");
  auto c = parse_config({"mps_control=nvidia-cuda-mps-control", "nvidia_smi=/opt/cuda/nvidia-smi"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->mps_control, "nvidia-cuda-mps-control");
  EXPECT_EQ(c->nvidia_smi, "/opt/cuda/nvidia-smi");
}

TEST(Config, PreemptionKeys) {
  auto c = parse_config({"max_requeue=2", "audit_log=/tmp/a.jsonl", "poll_interval=3",
                         "notify_shell=on", "state_dir=/var/run/gp", "ctld_wait=0"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->max_requeue, 2u);
  EXPECT_EQ(c->audit_log, "/tmp/a.jsonl");
  EXPECT_EQ(c->poll_interval, 3u);
  EXPECT_TRUE(c->notify_shell);
  EXPECT_EQ(c->state_dir, "/var/run/gp");
  EXPECT_EQ(c->ctld_wait, 0u);
  EXPECT_EQ(parse_config({"audit_log="})->audit_log, "");
  for (const char* bad : {"max_requeue=-1", "max_requeue=1001", "poll_interval=0", "ctld_wait=3601",
                          "audit_log=relative.log", "state_dir=", "state_dir=/a/../etc"}) {
    auto r = parse_config({bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find(std::string(bad, std::string(bad).find('='))),
              std::string::npos);
  }
}

TEST(Config, ReturnGraceIsTheAdminsChoiceAndOffByDefault) {
  auto c = parse_config({});
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->return_grace);
  c = parse_config({"return_grace=yes"});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->return_grace);
  EXPECT_FALSE(parse_config({"return_grace=sometimes"}).ok());
}

// Issue 20: the budgets per cause and the guarantee of progress.
TEST(Config, BudgetsAndProtection) {
  auto c = parse_config(
      {"max_requeue=3", "max_other_requeue=1", "protect_after=2", "protect_qos=owner-prot"});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->max_other_requeue, 1u);
  EXPECT_EQ(c->protect_after, 2u);
  EXPECT_EQ(c->protect_qos, "owner-prot");
  EXPECT_FALSE(parse_config({"protect_after=2"}).ok());
  EXPECT_FALSE(parse_config({"protect_qos=x"}).ok());
  EXPECT_FALSE(parse_config({"protect_after=0", "protect_qos=x"}).ok());
  EXPECT_FALSE(parse_config({"protect_after=2", "protect_qos=a b"}).ok());
  EXPECT_FALSE(parse_config({"protect_after=2", "protect_qos=a;b"}).ok());
  EXPECT_FALSE(parse_config({"max_other_requeue=-1"}).ok());
  EXPECT_TRUE(gracepack::is_qos_name(std::string(64, 'a')));
  EXPECT_FALSE(gracepack::is_qos_name(std::string(65, 'a')));
}
