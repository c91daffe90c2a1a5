#include "options.hpp"

#include "plugin_state.hpp"

namespace gracepack::spank {
namespace {

// Inside slurmstepd (remote) a failure could drain the node: remember it, task_init fails the
// step. In srun/sbatch/salloc the value is refused at once, before anything is submitted.
template <class Request>
int store(std::optional<Request>& slot, Result<Request> parsed, int remote) noexcept {
  try {
    if (parsed) {
      slot = std::move(parsed).value();
      return 0;
    }
    if (remote) {
      state().option_error = parsed.error();
      return 0;
    }
    log_error(parsed.error().message);
  } catch (...) {
  }
  return remote ? 0 : -1;
}

int on_pack_gpus(int, const char* optarg, int remote) noexcept {
  try {
    return store(state().pack.request, parse_pack_gpus(optarg ? optarg : ""), remote);
  } catch (...) {
    return remote ? 0 : -1;
  }
}

int on_preempt_requeue(int, const char* optarg, int remote) noexcept {
  try {
    return store(state().preempt.request, parse_preempt_requeue(optarg ? optarg : ""), remote);
  } catch (...) {
    return remote ? 0 : -1;
  }
}

char kPackName[] = "pack-gpus";
char kPackArg[] = "N";
char kPackUsage[] =
    "Pack N tasks per GPU (default 1) on each node of the step: every task gets its own GPU, "
    "CPUs near it and an enforced memory share. Values: N, N,verbose, off.";
char kPreemptName[] = "preempt-requeue";
char kPreemptArg[] = "SPEC";
char kPreemptUsage[] =
    "On preemption, notify every process of the job at grace start (notice file in "
    "$GRACEPACK_NOTICE_FILE) and requeue the job after its grace window. SPEC: "
    "signal=NAME,max=N,timelimit.";

spank_option kPackOption{kPackName, kPackArg, kPackUsage, 2, 0, on_pack_gpus};
spank_option kPreemptOption{kPreemptName, kPreemptArg, kPreemptUsage, 2, 0, on_preempt_requeue};

}  // namespace

spank_option* preempt_option() {
  return &kPreemptOption;
}

void register_options(const Spank& sp, const Config& config) {
  // The job prolog/epilog cannot register options (Slurm answers "Bad argument") and needs not:
  // spank_option_getopt reads the job's values there all the same.
  if (sp.context() == Context::JobScript) return;
  for (auto [wanted, opt] : {std::pair{config.pack_gpus, &kPackOption},
                             std::pair{config.preempt_requeue, &kPreemptOption}}) {
    if (!wanted) continue;
    if (auto r = sp.register_option(opt); !r) log_debug(r.error().message);
  }
}

}  // namespace gracepack::spank
