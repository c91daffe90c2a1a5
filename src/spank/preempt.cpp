#include "preempt.hpp"

namespace gracepack::spank {

std::string Preempt::shown() const {
  return "--preempt-requeue=" + (request ? to_value(*request) : std::string("?"));
}

Status Preempt::on(Hook hook, const Spank& sp, const Config& config) {
  switch (hook) {
    case Hook::InitPostOpt:
      if (!sp.remote()) return check_submission(sp, config);
      set_up_run(sp, config);
      return Ok{};
    case Hook::TaskInit:
      return sp.remote() ? start_watcher(sp, config) : Status(Ok{});
    case Hook::TaskExit:
      if (sp.remote()) record_script_end(sp, config);
      return Ok{};
    case Hook::JobEpilog:
      return end_run(sp, config);
    default:
      return Ok{};
  }
}

}  // namespace gracepack::spank
