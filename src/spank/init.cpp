#include <cstring>

#include "gracepack/options.hpp"
#include "hooks.hpp"
#include "state.hpp"

namespace gracepack::spank {
namespace {

// Option callbacks run in srun/sbatch (remote == 0) and again in slurmstepd, possibly several
// times: they only parse and store.
template <class Request>
int store_option(std::optional<Request>& slot, Result<Request> parsed, int remote) {
  if (parsed) {
    slot = std::move(parsed).value();
    return 0;
  }
  if (remote) {
    // Failing here inside slurmstepd could drain the node: remember it, task_init fails the step.
    state().option_error = parsed.error();
    return 0;
  }
  log_error(parsed.error().message);
  return -1;
}

int on_pack_gpus(int, const char* optarg, int remote) noexcept {
  try {
    return store_option(state().pack, parse_pack_gpus(optarg ? optarg : ""), remote);
  } catch (...) {
    return remote ? 0 : -1;
  }
}

int on_preempt_requeue(int, const char* optarg, int remote) noexcept {
  try {
    return store_option(state().preempt, parse_preempt_requeue(optarg ? optarg : ""), remote);
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

Status init(const Spank& sp, const std::vector<std::string>& args) {
  PluginState& st = state();
  auto config = parse_config(args);
  // Options are registered even with a bad configuration, so that scripts that use them still
  // parse and run where the admin chose `optional`.
  const Config effective = config ? *config : Config{};
  // The job prolog/epilog cannot register options (Slurm answers "Bad argument") and needs not:
  // spank_option_getopt reads the job's values there all the same.
  const bool can_register = sp.context() != Context::JobScript;
  for (auto [wanted, opt] : {std::pair{effective.pack_gpus, &kPackOption},
                             std::pair{effective.preempt_requeue, &kPreemptOption}}) {
    if (!wanted || !can_register) continue;
    if (auto r = sp.register_option(opt); !r) log_debug(r.error().message);
  }
  if (!config) {
    st.config.reset();
    st.disabled_reason = config.error().message;
    return fail(config.error().message + "; gracepack is disabled");
  }
  st.config = *config;
  log_debug(std::string("loaded in context ") + to_string(sp.context()) + ": " + describe(*config));
  return Ok{};
}

}  // namespace gracepack::spank
