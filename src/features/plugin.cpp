#include "gracepack/features/plugin.hpp"

namespace gracepack::features {

const char* to_string(Hook h) noexcept {
  constexpr const char* names[] = {"init",      "init_post_opt", "user_init",  "task_post_fork",
                                   "task_init", "task_exit",     "job_epilog", "exit"};
  return names[static_cast<int>(h)];
}

const char* to_string(Context c) {
  constexpr const char* names[] = {"local",  "allocator",  "remote",
                                   "slurmd", "job_script", "unknown"};
  return names[static_cast<int>(c)];
}

bool may_fail(Context context, Hook hook) noexcept {
  if (context == Context::Local || context == Context::Allocator) return true;
  return context == Context::Remote && hook == Hook::TaskInit;
}

Getenv Step::env() const {
  return [this](const std::string& name) { return getenv(name); };
}

Status Step::setenv_all(const Env& vars) const {
  for (const auto& [name, value] : vars) {
    if (auto r = setenv(name, value); !r) return r;
  }
  return Ok{};
}

bool Step::is_step(StepKind kind) const {
  auto id = remote() ? step_id() : Result<std::uint32_t>(fail("not in slurmstepd"));
  if (!id) return false;
  const StepKind k = *id == 0xfffffffb   ? StepKind::Batch
                     : *id == 0xfffffffc ? StepKind::Extern
                     : *id == 0xfffffffa ? StepKind::Interactive
                                         : StepKind::Normal;
  return k == kind;
}

std::string node_name(const Step& sp) {
  std::optional<std::string> name = sp.stepd_node_name();
  // The batch step's HOSTNAME is slurmstepd's too: set to its node's name before any plugin runs.
  if (!name && sp.is_step(StepKind::Batch)) name = sp.getenv("HOSTNAME");
  // The job epilog runs in slurmd's environment, where SLURMD_NODENAME is slurmd's.
  if (!name && sp.context() == Context::JobScript) name = sp.getenv("SLURMD_NODENAME");
  return name && !name->empty() ? *name : "this node";
}

namespace {

// Parses the plugstack arguments and registers the options: even with a bad configuration, so
// that scripts that use them still parse and run where the admin chose `optional`. The job
// prolog/epilog cannot register them (Slurm answers "Bad argument") and needs not.
Status configure(Plugin& p, const Step& sp, const std::vector<std::string>& args) {
  auto config = parse_config(args);
  const Config effective = config ? *config : Config{};
  for (Feature* f : p.features()) {
    if (sp.context() == Context::JobScript || !f->offered(effective)) continue;
    if (auto r = sp.register_option(f->option().name); !r) sp.log_debug(r.error().message);
  }
  if (!config) {
    p.mode = Disabled{config.error().message};
    return fail(config.error().message + "; gracepack is disabled");
  }
  p.mode = Enabled{*config};
  sp.log_debug(std::string("loaded in context ") + to_string(sp.context()) + ": " +
               describe(*config));
  return Ok{};
}

// "job 5 step 0: --pack-gpus=2" for the slurmd log, as slurmstepd received the options.
std::string step_options(const Step& sp, Plugin& p) {
  auto job = sp.job_id();
  auto step = sp.step_id();
  std::string line = "job " + (job ? std::to_string(*job) : "?") + " step " +
                     (step ? std::to_string(*step) : "?") + ":";
  for (Feature* f : p.features()) {
    if (f->asked()) line += " " + f->shown();
  }
  return line;
}

bool any_asked(Plugin& p) {
  for (Feature* f : p.features()) {
    if (f->asked()) return true;
  }
  return false;
}

// What a user who asked for an option is told when the admin's configuration is broken.
Status while_disabled(Hook hook, const Step& sp, Plugin& p) {
  if (hook != Hook::InitPostOpt || !any_asked(p)) return Ok{};
  const std::string reason = std::get<Disabled>(p.mode).reason;
  if (sp.remote()) {
    sp.log_verbose(step_options(sp, p) + " (ignored: " + reason + ")");
  } else {
    sp.log_error("disabled on this cluster (" + reason +
                 "); --pack-gpus and --preempt-requeue have no effect; ask your admin");
  }
  return Ok{};
}

}  // namespace

Status Plugin::run(Hook hook, const Step& sp, const std::vector<std::string>& args) {
  if (hook == Hook::Init) {
    if (auto r = configure(*this, sp, args); !r) return r;
    // Only the extern step acts at init (its placeholder): it is not told the job's options.
    if (!sp.is_step(StepKind::Extern)) return Ok{};
  }
  // Slurm 22.05 calls the job epilog without slurm_spank_init.
  if (hook == Hook::JobEpilog && !config()) {
    if (auto r = configure(*this, sp, args); !r) return r;
  }
  if (hook == Hook::TaskInit && option_error) return *option_error;
  if (!config()) return while_disabled(hook, sp, *this);
  if (hook == Hook::InitPostOpt && sp.remote() && any_asked(*this))
    sp.log_verbose(step_options(sp, *this));
  for (Feature* f : features()) {
    if (auto r = f->on(hook, sp, *config()); !r) return r;
  }
  return Ok{};
}

Status Plugin::take_option(std::size_t index, std::string_view value, bool remote) {
  if (index >= features().size()) return fail("unknown option");
  Status st = features()[index]->take(value);
  // Inside slurmstepd a failure could drain the node: remember it, task_init fails the step.
  if (!st && remote) {
    option_error = st.error();
    return Ok{};
  }
  return st;
}

}  // namespace gracepack::features
