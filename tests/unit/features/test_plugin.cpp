// The plugin's rules that do not depend on Slurm: which options are registered where, what a bad
// configuration or a bad option value does in each process, and which hooks may fail.
#include <gtest/gtest.h>

#include "fake_step.hpp"
#include "gracepack/features/plugin.hpp"

namespace gracepack::features {
namespace {

using testing::FakeStep;

TEST(MayFail, OnlyTaskInitInsideSlurmstepd) {
  for (Hook h : {Hook::Init, Hook::InitPostOpt, Hook::TaskInit, Hook::Exit}) {
    EXPECT_TRUE(may_fail(Context::Local, h)) << to_string(h);
    EXPECT_TRUE(may_fail(Context::Allocator, h)) << to_string(h);
    EXPECT_FALSE(may_fail(Context::JobScript, h)) << to_string(h);
    EXPECT_FALSE(may_fail(Context::Slurmd, h)) << to_string(h);
  }
  EXPECT_TRUE(may_fail(Context::Remote, Hook::TaskInit));
  for (Hook h : {Hook::Init, Hook::InitPostOpt, Hook::UserInit, Hook::TaskPostFork, Hook::TaskExit,
                 Hook::Exit})
    EXPECT_FALSE(may_fail(Context::Remote, h)) << to_string(h);
}

TEST(Plugin, RegistersOnlyTheOptionsTheAdminOffers) {
  Plugin p;
  FakeStep sp;
  ASSERT_TRUE(p.run(Hook::Init, sp, {"pack_gpus=off"}));
  EXPECT_EQ(sp.registered, std::vector<std::string>{"preempt-requeue"});
  ASSERT_NE(p.config(), nullptr);
  EXPECT_FALSE(p.config()->pack_gpus);
}

TEST(Plugin, BadConfigurationStillRegistersBothOptionsAndDisables) {
  Plugin p;
  FakeStep sp;
  auto st = p.run(Hook::Init, sp, {"no_such_key=1"});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("no_such_key"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("disabled"), std::string::npos);
  EXPECT_EQ(sp.registered, (std::vector<std::string>{"pack-gpus", "preempt-requeue"}));
  EXPECT_EQ(p.config(), nullptr);

  // A user who asked for an option is told, once, in srun/sbatch.
  ASSERT_TRUE(p.take_option(0, "2", false));
  ASSERT_TRUE(p.run(Hook::InitPostOpt, sp, {}));
  ASSERT_EQ(sp.errors.size(), 1u);
  EXPECT_NE(sp.errors[0].find("ask your admin"), std::string::npos) << sp.errors[0];
  // Later hooks do nothing while disabled, and do not fail.
  sp.ctx = Context::Remote;
  EXPECT_TRUE(p.run(Hook::TaskInit, sp, {}));
}

TEST(Plugin, JobPrologAndEpilogRegisterNothing) {
  Plugin p;
  FakeStep sp;
  sp.ctx = Context::JobScript;
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  EXPECT_TRUE(sp.registered.empty());
}

TEST(Plugin, EpilogWithoutInitLoadsTheConfiguration) {
  // Slurm 22.05 calls slurm_spank_job_epilog without slurm_spank_init.
  Plugin p;
  FakeStep sp;
  sp.ctx = Context::JobScript;
  ASSERT_TRUE(p.run(Hook::JobEpilog, sp, {"max_requeue=2"}));
  ASSERT_NE(p.config(), nullptr);
  EXPECT_EQ(p.config()->max_requeue, 2u);
}

TEST(Plugin, BadValueFailsAtOnceInSrun) {
  Plugin p;
  FakeStep sp;
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  auto st = p.take_option(0, "zero", false);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("--pack-gpus"), std::string::npos) << st.error().message;
  EXPECT_FALSE(p.take_option(7, "", false));  // an index Slurm never got from us
}

TEST(Plugin, BadValueInSlurmstepdFailsTheStepInTaskInitOnly) {
  Plugin p;
  FakeStep sp;
  sp.ctx = Context::Remote;
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  // The option callback must not fail inside slurmstepd (it would drain the node).
  EXPECT_TRUE(p.take_option(1, "signal=NOSUCH", true));
  EXPECT_TRUE(p.run(Hook::InitPostOpt, sp, {}));
  EXPECT_TRUE(p.run(Hook::UserInit, sp, {}));
  auto st = p.run(Hook::TaskInit, sp, {});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("NOSUCH"), std::string::npos) << st.error().message;
}

TEST(Plugin, StepOptionsAreLoggedInSlurmstepd) {
  Plugin p;
  FakeStep sp;
  sp.ctx = Context::Remote;
  sp.step = testing::kExternStep;  // neither batch nor an srun step: nothing is set up
  ASSERT_TRUE(p.run(Hook::Init, sp, {}));
  ASSERT_TRUE(p.take_option(0, "2,verbose", true));
  ASSERT_TRUE(p.run(Hook::InitPostOpt, sp, {}));
  ASSERT_FALSE(sp.verbose.empty());
  EXPECT_EQ(sp.verbose.back(), "job 42 step 4294967292: --pack-gpus=2,verbose");
}

TEST(Step, KindsAreKnownOnlyInSlurmstepd) {
  FakeStep sp;
  sp.step = testing::kBatchStep;
  EXPECT_FALSE(sp.is_step(StepKind::Batch));  // srun's own process has no step kind
  sp.ctx = Context::Remote;
  EXPECT_TRUE(sp.is_step(StepKind::Batch));
  EXPECT_FALSE(sp.is_step(StepKind::Normal));
  sp.step = 3;
  EXPECT_TRUE(sp.is_step(StepKind::Normal));
  sp.step.reset();
  EXPECT_FALSE(sp.is_step(StepKind::Normal));
}

TEST(NodeName, BatchStepTrustsHostnameNotTheSubmittedNodeName) {
  FakeStep sp;
  sp.ctx = Context::Remote;
  sp.step = testing::kBatchStep;
  sp.vars = {{"HOSTNAME", "n3"}, {"SLURMD_NODENAME", "../../evil"}};
  EXPECT_EQ(node_name(sp), "n3");
}

// Issue 16 item 11: the node's name in an srun step is slurmstepd's own; what the step's
// environment says (srun's node lists, the batch node's SLURMD_NODENAME) is the user's to set.
TEST(NodeName, SrunStepTakesSlurmstepdsNameNotTheEnvironments) {
  FakeStep sp;
  sp.ctx = Context::Remote;
  sp.step = 1;
  sp.node = 2;
  sp.vars = {{"SLURM_STEP_NODELIST", "evil[01-03]"},
             {"SLURM_JOB_NODELIST", "evil"},
             {"SLURMD_NODENAME", "evil01"},
             {"HOSTNAME", "evil"}};
  sp.stepd_node = "gpu03";
  EXPECT_EQ(node_name(sp), "gpu03");
  sp.stepd_node.reset();
  EXPECT_EQ(node_name(sp), "this node");  // never the environment's in an srun step
  sp.step = testing::kBatchStep;
  sp.stepd_node = "n2";
  EXPECT_EQ(node_name(sp), "n2");
}

TEST(NodeName, EpilogUsesSlurmdsNameAndNeverAnEmptyOne) {
  FakeStep sp;
  sp.ctx = Context::JobScript;
  sp.vars = {{"SLURMD_NODENAME", "n7"}};
  EXPECT_EQ(node_name(sp), "n7");
  sp.vars.clear();
  EXPECT_EQ(node_name(sp), "this node");
}

}  // namespace
}  // namespace gracepack::features
