#include "hooks.hpp"
#include "state.hpp"

namespace gracepack::spank {

Status remote_init_post_opt(const Spank& sp) {
  const PluginState& st = state();
  if (!st.any_option()) return Ok{};
  if (st.enabled()) (void)preempt_remote_setup(sp);
  std::string what;
  if (st.pack) what += " --pack-gpus=" + to_value(*st.pack);
  if (st.preempt) what += " --preempt-requeue=" + to_value(*st.preempt);
  auto job = sp.job_id();
  auto step = sp.step_id();
  log_verbose("job " + (job ? std::to_string(*job) : "?") + " step " +
              (step ? std::to_string(*step) : "?") + ":" + what +
              (st.enabled() ? "" : " (ignored: " + st.disabled_reason + ")"));
  return Ok{};
}

Status remote_user_init(const Spank& sp) {
  return pack_user_init(sp);
}

Status remote_task_post_fork(const Spank& sp) {
  return pack_task_post_fork(sp);
}

Status remote_task_init(const Spank& sp) {
  const PluginState& st = state();
  if (st.option_error) return *st.option_error;
  if (auto r = pack_task_init(sp); !r) return r;
  return preempt_task_init(sp);
}

Status remote_exit(const Spank& sp) {
  return pack_exit(sp);
}

}  // namespace gracepack::spank
