#include <gtest/gtest.h>

#include <map>

#include "gracepack/core/preempt/sbatch_args.hpp"

using namespace gracepack;

namespace {

Getenv env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

}  // namespace

// Issue 9 item 11: what follows the script's name is the script's, not sbatch's.
TEST(SbatchArgs, StopsAtTheScript) {
  auto o = sbatch_command_line({"-p", "low", "--preempt-requeue", "job.sh", "--no-requeue"});
  EXPECT_EQ(o.script, "job.sh");
  EXPECT_FALSE(o.requeue.has_value());
  o = sbatch_command_line({"-o", "--no-requeue", "job.sh"});  // -o's value, not an option
  EXPECT_FALSE(o.requeue.has_value());
  EXPECT_EQ(o.script, "job.sh");
  o = sbatch_command_line({"-n4", "-Jname", "--no-req", "run.sh", "a"});  // an abbreviation
  EXPECT_EQ(o.requeue, false);
  EXPECT_EQ(o.script, "run.sh");
  o = sbatch_command_line({"--wrap", "echo --no-requeue"});
  EXPECT_FALSE(o.requeue.has_value());
  EXPECT_FALSE(o.script.has_value());
  o = sbatch_command_line({"--requeue", "--export=NONE", "--", "s.sh"});
  EXPECT_EQ(o.requeue, true);
  EXPECT_TRUE(exports_none(o));
  EXPECT_EQ(o.script, "s.sh");
  o = sbatch_command_line({"--export", "ALL,X=1", "s.sh"});
  EXPECT_FALSE(exports_none(o));
}

TEST(SbatchArgs, ReadsDirectivesOnlyUpToTheFirstCommand) {
  const std::string script =
      "#!/bin/bash\n"
      "#SBATCH -p low --requeue\n"
      "\n"
      "# a comment\n"
      "#SBATCH --export=NONE # comment --no-requeue\n"
      "echo start\n"
      "#SBATCH --no-requeue\n";
  auto o = sbatch_script_directives(script);
  EXPECT_EQ(o.requeue, true);
  EXPECT_TRUE(exports_none(o));
  o = sbatch_script_directives("#!/bin/sh\n#SBATCH -o \"a b\" --no-requeue\n");
  EXPECT_EQ(o.requeue, false);
  o = sbatch_script_directives("#!/bin/sh\n#SLURM --no-requeue\n");
  EXPECT_EQ(o.requeue, false);
}

TEST(SbatchArgs, CommandLineOverEnvironmentOverScript) {
  const std::string script = "#!/bin/sh\n#SBATCH --no-requeue\n";
  auto o = sbatch_options({"job.sh"}, script, env({}));
  EXPECT_EQ(o.requeue, false);
  o = sbatch_options({"job.sh"}, script, env({{"SBATCH_REQUEUE", "1"}}));
  EXPECT_EQ(o.requeue, true);
  o = sbatch_options({"--no-requeue", "job.sh"}, script, env({{"SBATCH_REQUEUE", "1"}}));
  EXPECT_EQ(o.requeue, false);
  o = sbatch_options({"job.sh"}, std::nullopt, env({{"SBATCH_EXPORT", "NONE"}}));
  EXPECT_TRUE(exports_none(o));
}
