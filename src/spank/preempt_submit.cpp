// --preempt-requeue in srun, sbatch and salloc: refuse at once what can never work, before
// anything is submitted, and say so when the user's max= is above the admin's cap.
#include <errno.h>

#include <cstdio>

#include "gracepack/core/preempt_policy.hpp"
#include "gracepack/core/sbatch_args.hpp"
#include "gracepack/core/text.hpp"
#include "gracepack/os/files.hpp"
#include "gracepack/slurm/api.hpp"
#include "preempt.hpp"

namespace gracepack::spank {
namespace {

const char kJobLevelVar[] = "SLURM_SPANK__SLURM_SPANK_OPTION_gracepack_preempt_requeue";
const char kBatchOnly[] =
    "--preempt-requeue: Slurm can only requeue batch jobs; submit the work with sbatch "
    "--preempt-requeue";

// What the user gave sbatch, read the way sbatch reads it.
SbatchOptions sbatch_given() {
  std::vector<std::string> args;
  if (auto cmdline = os::read_file("/proc/self/cmdline")) {
    for (auto a : text::split(*cmdline, '\0')) args.emplace_back(a);
    if (!args.empty()) args.erase(args.begin());                // the program
    if (!args.empty() && args.back().empty()) args.pop_back();  // the final NUL
  }
  const SbatchOptions cli = sbatch_command_line(args);
  std::optional<std::string> script;
  if (cli.script) {
    if (auto text = os::read_user_file(*cli.script, 4u << 20)) script = *text;
  }
  return sbatch_options(args, script, [](const std::string& n) -> std::optional<std::string> {
    const char* v = std::getenv(n.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
}

Status check_sbatch(const SbatchOptions& given) {
  if (given.requeue && !*given.requeue) {
    return fail(
        "--preempt-requeue cannot requeue a job submitted with --no-requeue: drop one of them");
  }
  if (exports_none(given) && slurm::export_none_drops_options()) {
    return fail(
        "--preempt-requeue does not reach the batch script with --export=NONE on Slurm "
        "before 23.02.5 (Slurm drops the option's variables): use --export=ALL or name the "
        "variables to export");
  }
  if (!given.requeue) {
    auto by_default = slurm::cluster_requeues_by_default();
    if (by_default && !*by_default) {
      return fail(
          "--preempt-requeue: this cluster does not requeue jobs unless asked "
          "(JobRequeue=0): add --requeue");
    }
  }
  return Ok{};
}

}  // namespace

Status Preempt::check_submission(const Spank& sp, const Config& config) const {
  if (!request) return Ok{};
  const std::string prog = program_invocation_short_name;
  if (sp.context() == Context::Allocator && prog == "salloc") {
    return fail(std::string(kBatchOnly) + " (salloc allocations are interactive)");
  }
  if (sp.context() == Context::Local) {
    if (!std::getenv("SLURM_JOB_ID"))
      return fail(std::string(kBatchOnly) + " (this srun makes an interactive allocation)");
    if (!std::getenv(kJobLevelVar)) {
      return fail(
          "--preempt-requeue applies to a whole batch job: give it to sbatch "
          "(#SBATCH --preempt-requeue), not to one srun");
    }
    return Ok{};
  }
  if (sp.context() != Context::Allocator || prog != "sbatch") return Ok{};
  if (auto st = check_sbatch(sbatch_given()); !st) return st;
  if (auto warning = cap_warning(*request, config.max_requeue); !warning.empty()) {
    std::fprintf(stderr, "gracepack: warning: %s\n", warning.c_str());
  }
  return Ok{};
}

}  // namespace gracepack::spank
