// features::Step over spank_t: what a hook reads from and writes to Slurm, each read a value or
// an Error. With plugin.cpp, the only place that includes Slurm's SPANK header.
#pragma once

extern "C" {
#include <slurm/spank.h>
}

#include "gracepack/features/step.hpp"
#include "gracepack/slurm/api.hpp"

namespace gracepack::spank {

using features::Context;

// The options as Slurm registers them, one per feature, `val` its index in the registry.
spank_option* option_named(const std::string& name);

class SpankStep : public features::Step {
 public:
  explicit SpankStep(spank_t sp) : sp_(sp) {}

  Context context() const override;
  std::string program() const override;
  std::optional<std::string> getenv(const std::string& name) const override;
  Status setenv(const std::string& name, const std::string& value) const override;
  Result<std::uint32_t> job_id() const override;
  Result<std::uint32_t> step_id() const override;
  Result<uid_t> uid() const override;
  Result<gid_t> gid() const override;
  Result<std::uint32_t> local_task_count() const override;
  Result<int> local_task_id() const override;
  Result<std::uint32_t> node_index() const override;
  Result<pid_t> task_pid() const override;
  Result<int> task_exit_status() const override;
  Result<std::uint64_t> step_alloc_mem_bytes() const override;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> array_ids() const override;
  Result<os::HelperCgroup> helper_cgroup() const override;
  std::optional<std::string> stepd_node_name() const override;
  Status adopt_into_extern_step(pid_t pid) const override;
  bool runs_extern_placeholder() const override { return slurm::extern_step_runs_placeholder(); }
  Status register_option(const std::string& name) const override;
  std::optional<std::string> option_value(const std::string& name) const override;
  void log_error(const std::string& msg) const override;
  void log_info(const std::string& msg) const override;
  void log_verbose(const std::string& msg) const override;
  void log_debug(const std::string& msg) const override;

 private:
  template <class T>
  Result<T> item(spank_item_t item, const char* what) const;

  spank_t sp_;
};

}  // namespace gracepack::spank
