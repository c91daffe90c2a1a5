// The symbols Slurm loads. Each hook only translates: wrap spank_t, hand the hook to the plugin's
// features, turn the Status into Slurm's return code (-1 only where may_fail allows), let nothing
// escape.
#include <array>
#include <exception>
#include <string>
#include <vector>

#include "gracepack/features/plugin.hpp"
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
namespace {

using features::Hook;

features::Plugin& plugin() {
  static features::Plugin p;
  return p;
}

// Option callbacks run in srun/sbatch and again in slurmstepd, several times: they only parse and
// keep. A bad value is refused at once where nothing has been submitted yet.
int on_option(int val, const char* optarg, int remote) noexcept {
  try {
    const Status st =
        plugin().take_option(static_cast<std::size_t>(val), optarg ? optarg : "", remote);
    if (st) return 0;
    slurm_error("gracepack: %s", st.error().message.c_str());
  } catch (...) {
  }
  return remote ? 0 : -1;
}

std::array<spank_option, 2> make_options() {
  std::array<spank_option, 2> table{};
  const auto features = plugin().features();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const features::OptionText t = features[i]->option();
    // Slurm's struct wants char*; it never writes through them.
    table[i] = {const_cast<char*>(t.name),  const_cast<char*>(t.arg),
                const_cast<char*>(t.usage), 2,
                static_cast<int>(i),        on_option};
  }
  return table;
}

int guarded(spank_t handle, Hook hook, int ac, char** av) noexcept {
  const SpankStep sp(handle);
  const bool can_fail = features::may_fail(sp.context(), hook);
  try {
    const Status st = plugin().run(hook, sp, std::vector<std::string>(av, av + ac));
    if (st) return 0;
    // An empty message: the failure was already reported once (e.g. by another task).
    if (!st.error().message.empty()) sp.log_error(st.error().message);
  } catch (const std::exception& e) {
    try {
      sp.log_error(std::string(features::to_string(hook)) + ": internal error: " + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return can_fail ? -1 : 0;
}

}  // namespace

spank_option* option_named(const std::string& name) {
  static std::array<spank_option, 2> table = make_options();
  for (spank_option& o : table) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

}  // namespace gracepack::spank

#define GRACEPACK_HOOK(symbol, hook)                                               \
  extern "C" GRACEPACK_EXPORT int symbol(spank_t sp, int ac, char** av) {          \
    return gracepack::spank::guarded(sp, gracepack::features::Hook::hook, ac, av); \
  }

GRACEPACK_HOOK(slurm_spank_init, Init)
GRACEPACK_HOOK(slurm_spank_init_post_opt, InitPostOpt)
GRACEPACK_HOOK(slurm_spank_user_init, UserInit)
GRACEPACK_HOOK(slurm_spank_task_post_fork, TaskPostFork)
GRACEPACK_HOOK(slurm_spank_task_init, TaskInit)
GRACEPACK_HOOK(slurm_spank_task_exit, TaskExit)
GRACEPACK_HOOK(slurm_spank_job_epilog, JobEpilog)
GRACEPACK_HOOK(slurm_spank_exit, Exit)
