// The symbols Slurm loads. Each hook only translates: wrap spank_t, hand the hook to the features,
// turn the Status into Slurm's return code (-1 only where may_fail allows), let nothing escape.
#include <exception>
#include <string>
#include <vector>

#include "hooks.hpp"
#include "plugin_state.hpp"
#include "spank.hpp"

// Everything is built hidden; these are the plugin's interface (the version script agrees).
#define GRACEPACK_EXPORT __attribute__((visibility("default")))

extern "C" {
// Not SPANK_PLUGIN(): its const objects would get internal linkage in C++.
GRACEPACK_EXPORT extern const char plugin_name[] = "gracepack";
GRACEPACK_EXPORT extern const char plugin_type[] = "spank";
GRACEPACK_EXPORT extern const unsigned int plugin_version = SLURM_VERSION_NUMBER;
GRACEPACK_EXPORT extern const unsigned int spank_plugin_version = 1;
}

namespace gracepack::spank {

const char* to_string(Hook h) noexcept {
  constexpr const char* names[] = {"init",      "init_post_opt", "user_init",  "task_post_fork",
                                   "task_init", "task_exit",     "job_epilog", "exit"};
  return names[static_cast<int>(h)];
}

bool may_fail(Context context, Hook hook) noexcept {
  if (context == Context::Local || context == Context::Allocator) return true;
  return context == Context::Remote && hook == Hook::TaskInit;
}

namespace {

// "job 5 step 0: --pack-gpus=2" for the slurmd log, as slurmstepd received the options.
std::string step_options(const Spank& sp, PluginState& st) {
  auto job = sp.job_id();
  auto step = sp.step_id();
  std::string line = "job " + (job ? std::to_string(*job) : "?") + " step " +
                     (step ? std::to_string(*step) : "?") + ":";
  for (Feature* f : st.features()) {
    if (f->asked()) line += " " + f->shown();
  }
  return line;
}

// What a user who asked for an option is told when the admin's configuration is broken.
Status while_disabled(Hook hook, const Spank& sp, PluginState& st) {
  if (hook != Hook::InitPostOpt || !st.any_asked()) return Ok{};
  const std::string reason = std::get<Disabled>(st.mode).reason;
  if (sp.remote()) {
    log_verbose(step_options(sp, st) + " (ignored: " + reason + ")");
  } else {
    log_error("disabled on this cluster (" + reason +
              "); --pack-gpus and --preempt-requeue have no effect; ask your admin");
  }
  return Ok{};
}

Status run_hook(Hook hook, const Spank& sp, const std::vector<std::string>& args) {
  PluginState& st = state();
  if (hook == Hook::Init) return configure(sp, args);
  // Slurm 22.05 calls the job epilog without slurm_spank_init.
  if (hook == Hook::JobEpilog && !st.config()) {
    if (auto r = configure(sp, args); !r) return r;
  }
  if (hook == Hook::TaskInit && st.option_error) return *st.option_error;
  const Config* config = st.config();
  if (!config) return while_disabled(hook, sp, st);
  if (hook == Hook::InitPostOpt && sp.remote() && st.any_asked()) log_verbose(step_options(sp, st));
  for (Feature* f : st.features()) {
    if (auto r = f->on(hook, sp, *config); !r) return r;
  }
  return Ok{};
}

int guarded(spank_t handle, Hook hook, int ac, char** av) noexcept {
  const Spank sp(handle);
  const bool can_fail = may_fail(sp.context(), hook);
  try {
    const Status st = run_hook(hook, sp, std::vector<std::string>(av, av + ac));
    if (st) return 0;
    // An empty message: the failure was already reported once (e.g. by another task).
    if (!st.error().message.empty()) log_error(st.error().message);
  } catch (const std::exception& e) {
    try {
      log_error(std::string(to_string(hook)) + ": internal error: " + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return can_fail ? -1 : 0;
}

}  // namespace
}  // namespace gracepack::spank

using gracepack::spank::guarded;
using gracepack::spank::Hook;

extern "C" {

GRACEPACK_EXPORT int slurm_spank_init(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::Init, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_init_post_opt(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::InitPostOpt, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_user_init(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::UserInit, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_task_post_fork(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::TaskPostFork, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_task_init(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::TaskInit, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_task_exit(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::TaskExit, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_job_epilog(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::JobEpilog, ac, av);
}
GRACEPACK_EXPORT int slurm_spank_exit(spank_t sp, int ac, char** av) {
  return guarded(sp, Hook::Exit, ac, av);
}

}  // extern "C"
