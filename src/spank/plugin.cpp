// The symbols Slurm loads. Each hook only translates: wrap spank_t, call the hook body, turn its
// Status into Slurm's return code (-1 on failure, see may_fail), and let no exception escape.
#include <exception>
#include <string>
#include <vector>

#include "hooks.hpp"
#include "spank.hpp"
#include "state.hpp"

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

PluginState& state() {
  static PluginState s;
  return s;
}

bool may_fail(Context context, const char* hook) {
  if (context == Context::Local || context == Context::Allocator) return true;
  return context == Context::Remote && std::string(hook) == "task_init";
}

namespace {

template <class F>
int guarded(spank_t handle, const char* hook, F&& body) noexcept {
  const Spank sp(handle);
  const bool can_fail = may_fail(sp.context(), hook);
  try {
    Status st = body(sp);
    if (st) return 0;
    // An empty message: the failure was already reported once (e.g. by another task).
    if (!st.error().message.empty()) log_error(st.error().message);
  } catch (const std::exception& e) {
    try {
      log_error(std::string(hook) + ": internal error: " + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return can_fail ? -1 : 0;
}

bool active() {
  return state().enabled();
}

}  // namespace
}  // namespace gracepack::spank

using gracepack::Ok;
using gracepack::Status;
using gracepack::spank::Spank;

extern "C" {

GRACEPACK_EXPORT int slurm_spank_init(spank_t sp, int ac, char** av) {
  return gracepack::spank::guarded(sp, "init", [&](const Spank& s) -> Status {
    return gracepack::spank::init(s, std::vector<std::string>(av, av + ac));
  });
}

GRACEPACK_EXPORT int slurm_spank_init_post_opt(spank_t sp, int, char**) {
  return gracepack::spank::guarded(sp, "init_post_opt", [](const Spank& s) -> Status {
    if (s.remote()) return gracepack::spank::remote_init_post_opt(s);
    if (s.context() == gracepack::spank::Context::Local ||
        s.context() == gracepack::spank::Context::Allocator) {
      return gracepack::spank::local_init_post_opt(s);
    }
    return Ok{};
  });
}

GRACEPACK_EXPORT int slurm_spank_user_init(spank_t sp, int, char**) {
  return gracepack::spank::guarded(sp, "user_init", [](const Spank& s) -> Status {
    if (!gracepack::spank::active() || !s.remote()) return Ok{};
    return gracepack::spank::remote_user_init(s);
  });
}

GRACEPACK_EXPORT int slurm_spank_task_post_fork(spank_t sp, int, char**) {
  return gracepack::spank::guarded(sp, "task_post_fork", [](const Spank& s) -> Status {
    if (!gracepack::spank::active() || !s.remote()) return Ok{};
    return gracepack::spank::remote_task_post_fork(s);
  });
}

GRACEPACK_EXPORT int slurm_spank_task_init(spank_t sp, int, char**) {
  return gracepack::spank::guarded(sp, "task_init", [](const Spank& s) -> Status {
    if (!gracepack::spank::active() || !s.remote()) return Ok{};
    return gracepack::spank::remote_task_init(s);
  });
}

GRACEPACK_EXPORT int slurm_spank_job_epilog(spank_t sp, int ac, char** av) {
  return gracepack::spank::guarded(sp, "job_epilog", [&](const Spank& s) -> Status {
    return gracepack::spank::job_epilog(s, std::vector<std::string>(av, av + ac));
  });
}

GRACEPACK_EXPORT int slurm_spank_exit(spank_t sp, int, char**) {
  return gracepack::spank::guarded(sp, "exit", [](const Spank& s) -> Status {
    if (!gracepack::spank::active() || !s.remote()) return Ok{};
    return gracepack::spank::remote_exit(s);
  });
}

}  // extern "C"
