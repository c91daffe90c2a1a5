#include "hooks.hpp"
#include "state.hpp"

namespace gracepack::spank {

Status local_init_post_opt(const Spank& sp) {
  const PluginState& st = state();
  if (!st.enabled() && st.any_option()) {
    // The admin loaded gracepack as `optional` and its configuration is broken: run the job, but
    // say that the option will not act.
    log_error("disabled on this cluster (" + st.disabled_reason +
              "); --pack-gpus and --preempt-requeue have no effect; ask your admin");
  }
  return preempt_local_check(sp);
}

}  // namespace gracepack::spank
