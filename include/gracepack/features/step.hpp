// What a hook knows of the Slurm process it runs in, as plain C++: the interface the features
// read Slurm through. src/spank implements it over spank_t; unit tests hand in fakes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "gracepack/core/base/env.hpp"
#include "gracepack/core/base/result.hpp"
#include "gracepack/os/helper_cgroup.hpp"

namespace gracepack::features {

enum class Context { Local, Allocator, Remote, Slurmd, JobScript, Unknown };
const char* to_string(Context c);

// Slurm's reserved step ids (batch, extern, interactive) and the rest.
enum class StepKind { Batch, Extern, Interactive, Normal };

class Step {
 public:
  virtual ~Step() = default;
  virtual Context context() const = 0;
  bool remote() const { return context() == Context::Remote; }
  virtual std::string program() const = 0;  // srun, sbatch, salloc, slurmstepd, ...

  // In slurmstepd the job's environment, elsewhere the process's own.
  virtual std::optional<std::string> getenv(const std::string& name) const = 0;
  virtual Status setenv(const std::string& name, const std::string& value) const = 0;
  Getenv env() const;
  Status setenv_all(const Env& vars) const;

  virtual Result<std::uint32_t> job_id() const = 0;
  virtual Result<std::uint32_t> step_id() const = 0;
  bool is_step(StepKind kind) const;  // false outside slurmstepd
  virtual Result<uid_t> uid() const = 0;
  virtual Result<gid_t> gid() const = 0;
  virtual Result<std::uint32_t> local_task_count() const = 0;
  virtual Result<int> local_task_id() const = 0;         // task index on this node
  virtual Result<std::uint32_t> node_index() const = 0;  // in the step's node list
  virtual Result<pid_t> task_pid() const = 0;
  virtual Result<int> task_exit_status() const = 0;
  virtual Result<std::uint64_t> step_alloc_mem_bytes() const = 0;
  virtual std::optional<std::pair<std::uint32_t, std::uint32_t>> array_ids() const = 0;

  // Facts of the slurmstepd process itself, which the job cannot choose: the cgroup where the
  // helpers gracepack starts in this step must go (a fake may give one without a directory:
  // helpers then stay where they start), and this node's name as slurmstepd was given it.
  virtual Result<os::HelperCgroup> helper_cgroup() const = 0;
  virtual std::optional<std::string> stepd_node_name() const = 0;
  // Whether this Slurm release runs a placeholder process in the extern step (up to 24.11).
  virtual bool runs_extern_placeholder() const = 0;
  // In the extern step: has slurmstepd adopt `pid` as pam_slurm_adopt does (into the step's
  // task_special cgroup on v2, its freezer cgroup on v1), where Slurm signals and kills it.
  virtual Status adopt_into_extern_step(pid_t pid) const = 0;

  // The user's options: registered with Slurm by name; in the job prolog/epilog read there ("" when
  // given without a value, nullopt when not given).
  virtual Status register_option(const std::string& name) const = 0;
  virtual std::optional<std::string> option_value(const std::string& name) const = 0;

  // Slurm's logger: srun/sbatch stderr in local contexts, the slurmd log in remote ones.
  virtual void log_error(const std::string& msg) const = 0;
  virtual void log_info(const std::string& msg) const = 0;
  virtual void log_verbose(const std::string& msg) const = 0;
  virtual void log_debug(const std::string& msg) const = 0;
};

}  // namespace gracepack::features
