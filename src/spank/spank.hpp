// A small typed wrapper around spank_t: every read returns a value or an Error, every write a
// Status. It is the only place (with plugin.cpp) that includes Slurm's SPANK header.
#pragma once

extern "C" {
#include <slurm/spank.h>
}

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "gracepack/core/result.hpp"

namespace gracepack::spank {

enum class Context { Local, Allocator, Remote, Slurmd, JobScript, Unknown };
const char* to_string(Context c);

// Slurm's reserved step ids (slurm.h SLURM_BATCH_SCRIPT etc.).
enum class StepKind { Batch, Extern, Interactive, Normal };

class Spank {
 public:
  explicit Spank(spank_t sp) : sp_(sp) {}

  Context context() const;
  bool remote() const { return context() == Context::Remote; }

  // In slurmstepd these read and write the job's environment, elsewhere the process's own.
  std::optional<std::string> getenv(const std::string& name) const;
  Status setenv(const std::string& name, const std::string& value) const;

  Result<std::uint32_t> job_id() const;
  Result<std::uint32_t> step_id() const;
  Result<StepKind> step_kind() const;
  bool is_step(StepKind kind) const;
  Result<uid_t> uid() const;
  Result<gid_t> gid() const;
  Result<std::uint32_t> local_task_count() const;
  Result<int> local_task_id() const;         // task index on this node
  Result<std::uint32_t> node_index() const;  // this node's index in the step's node list
  Result<pid_t> task_pid() const;
  Result<int> task_exit_status() const;
  Result<std::uint64_t> step_alloc_mem_bytes() const;
  // The array ids of an array task; nullopt for other jobs.
  std::optional<std::pair<std::uint32_t, std::uint32_t>> array_ids() const;

  Status register_option(struct spank_option* opt) const;
  // An option's value where only spank_option_getopt can read it (job prolog/epilog); "" when
  // given without a value, nullopt when not given.
  std::optional<std::string> option_value(struct spank_option* opt) const;

 private:
  spank_t sp_;
};

// Slurm's logger: srun/sbatch stderr in local contexts, the slurmd log in remote ones.
void log_error(const std::string& msg);
void log_info(const std::string& msg);
void log_verbose(const std::string& msg);
void log_debug(const std::string& msg);

}  // namespace gracepack::spank
