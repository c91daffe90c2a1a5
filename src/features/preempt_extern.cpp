// --preempt-requeue in the extern slurmstepd (PrologFlags=Contain), from Slurm 25.05: Slurm runs
// no process there any more whose death tells the job's watchers that the grace period started,
// so gracepack starts one in its place, for every job (the extern step is not told the job's
// options): a child of the extern slurmstepd, forked by slurm_spank_init in slurmstepd itself
// (Slurm's grace-start SIGTERM reaches only the stepd's own children), adopted into the step's
// own cgroup as pam_slurm_adopt's sessions are by task_post_fork (after the task plugin has made
// the step's cgroups: on v1 an adoption before fails), so that Slurm kills it at the step's end.
// Up to 24.11 Slurm's own `sleep 100000000` does this and nothing is started.
#include <signal.h>
#include <unistd.h>

#include "gracepack/features/preempt.hpp"
#include "gracepack/os/process.hpp"

namespace gracepack::features {

void Preempt::start_placeholder(const Step& sp) {
  if (sp.runs_extern_placeholder() || placeholder_.running()) return;
  os::SpawnOptions o;
  // `sleep`, as Slurm's was: the watchers pick it as they picked Slurm's (core::find_placeholder).
  o.argv = {::access("/bin/sleep", X_OK) == 0 ? "/bin/sleep" : "/usr/bin/sleep", "100000000"};
  o.as = os::RunAs{0, 0, {}};  // root's, without a capability
  o.die_with_parent = true;
  o.reset_oom_score = true;
  // Only SIGTERM (grace start, scancel, the job's end) and SIGKILL end it: a --signal warning or
  // `scancel --signal=USR1` to the job is no wake-up.
  for (int sig : {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTSTP, SIGTTIN,
                  SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR})
    o.ignore_signals.push_back(sig);
  auto child = os::spawn(o);
  if (!child) {
    sp.log_info("--preempt-requeue: the extern step's placeholder: " + child.error().message);
    return;
  }
  placeholder_ = std::move(*child);
  adopted_ = false;
}

// Left in slurmstepd's own cgroup it would outlive the step (v2: Slurm's final cgroup.kill
// reaches user/ only; v1: Slurm keeps slurmstepd in the job's cgroup): adopted, or ended now.
// task_post_fork may run in a clone of slurmstepd (SlurmdParameters=contain_spank): the kill is
// by pid, a child of slurmstepd's that only slurmstepd's own exit hook reaps.
void Preempt::adopt_placeholder(const Step& sp) {
  const pid_t pid = placeholder_.pid();
  if (pid <= 0 || adopted_) return;
  if (auto st = sp.adopt_into_extern_step(pid); !st) {
    sp.log_info("--preempt-requeue: " + st.error().message +
                "; a --preempt-requeue job here gets the notice by the batch node's reads of it");
    ::kill(pid, SIGKILL);
    return;
  }
  adopted_ = true;
}

// slurm_spank_exit of the extern step runs after Slurm's final SIGKILL: the placeholder is dead
// (grace start, the job's end) and only its exit status is left to collect.
void Preempt::reap_placeholder() {
  if (!placeholder_.running()) return;
  if (!placeholder_.wait_for(std::chrono::seconds(1))) placeholder_.stop(std::chrono::seconds(0));
}

}  // namespace gracepack::features
