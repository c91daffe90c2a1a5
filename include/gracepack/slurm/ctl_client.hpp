// The Controller the plugin's job epilog and the watcher use: each call runs gracepack-ctl (a
// small program linked with libslurm) with a deadline, so that no libslurm state lives in
// slurmd's epilog process (24.11 aborts there without slurm_init, 26.05 crashes) or in the
// long-lived watcher (which stays small), and a hung RPC never hangs the caller.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/preempt/controller.hpp"

namespace gracepack::slurm {

// gracepack-ctl's exit codes: the protocol between it and this client.
enum CtlExit : int { kCtlOk = 0, kCtlRefused = 1, kCtlUnreachable = 2, kCtlUsage = 3 };

class CtlController : public Controller {
 public:
  // `env`: the whole environment of gracepack-ctl (PATH, SLURM_CONF).
  CtlController(std::string program, std::vector<std::string> env,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));
  Result<JobRecord> load_job(std::uint32_t job_id) override;
  Status requeue(const std::string& id) override;
  Status mark(std::uint32_t job_id, unsigned preemptions, const std::string& qos) override;
  // Whether the job's association may use `qos` (gracepack-ctl qos-check).
  Status check_qos(std::uint32_t job_id, const std::string& qos);
  // No call runs past `deadline`: each is cut to the time left, and none starts after it.
  void set_deadline(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
  // Records with the run's allocation (`gracepack-ctl job-alloc`; the epilog's). Without it the
  // record has the fields every gracepack-ctl since the first release prints, which a watcher
  // of an earlier release (a job running while the package is upgraded) still parses.
  void want_allocation() { allocation_ = true; }

 private:
  Result<std::string> call(const std::vector<std::string>& args);

  std::string program_;
  std::vector<std::string> env_;
  std::chrono::milliseconds timeout_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool allocation_ = false;
};

}  // namespace gracepack::slurm
