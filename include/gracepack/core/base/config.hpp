// The admin's configuration: the arguments of gracepack's plugstack.conf line, parsed once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gracepack/core/base/result.hpp"

namespace gracepack {

struct Config {
  // Each user option can be switched off cluster-wide; a switched-off option is not registered,
  // so srun/sbatch reject it as unknown instead of silently ignoring it.
  bool pack_gpus = true;
  bool preempt_requeue = true;

  // --preempt-requeue
  // Requeue budgets per cause (users may lower each): after a preemption, and for other causes
  // (a time limit with 'timelimit'; Slurm's own requeues count there too).
  unsigned max_requeue = 5;
  unsigned max_other_requeue = 5;
  // A guarantee of progress: at a job's protect_after-th preemption gracepack requeues it into
  // the QOS protect_qos (one nobody preempts); 0: off. Both or neither.
  unsigned protect_after = 0;
  std::string protect_qos;
  std::string audit_log = "/var/log/slurm/gracepack-audit.jsonl";  // "" : no audit file
  unsigned poll_interval = 5;  // seconds between job checks where there is no extern step
  bool notify_shell = false;   // also signal the batch shell itself at grace start
  std::string state_dir = "/run/gracepack";  // per-job notice directories (root-owned parent)
  unsigned ctld_wait = 120;  // seconds the epilog keeps trying while slurmctld does not answer
  // Jobs may ask (return_grace in their SPEC) to be ended and requeued at a checkpoint inside
  // their grace window, so that the preemptor starts sooner. Off: the request is ignored.
  bool return_grace = false;

  // --pack-gpus
  std::uint64_t min_task_memory = 0;                 // refuse plans below this per task
  std::map<std::string, std::vector<int>> gpu_cpus;  // GPU id -> nearby CPUs, overrides sysfs
  bool mps = false;                                  // share GPUs through NVIDIA MPS
  // Programs slurmstepd starts as the job's user: absolute paths unless the admin writes a bare
  // name (then the job's PATH finds it).
  std::string mps_control = "/usr/bin/nvidia-cuda-mps-control";  // the MPS control program
  std::string nvidia_smi = "/usr/bin/nvidia-smi";  // reads one GPU's memory for MPS limits
};

// Parses `key=value` words. An unknown key, a repeated key or a bad value is an error that names
// the key and says what is accepted.
Result<Config> parse_config(const std::vector<std::string>& args);

// state_dir on node `node`: each "%n" replaced by the node's name (several slurmd on one host).
// A name with characters other than letters, digits, '.', '_' and '-' becomes "unknown".
std::string node_state_dir(const Config& config, std::string_view node);

// A QOS name as sacctmgr accepts one (letters, digits, '_', '-', '.'; 1-64 bytes): protect_qos,
// and wherever it travels (the watcher's arguments, the notice file).
bool is_qos_name(std::string_view name);

// One line that says which values are in force, for the logs.
std::string describe(const Config& config);

}  // namespace gracepack
