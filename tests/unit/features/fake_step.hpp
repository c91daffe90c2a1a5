// A Step with no Slurm behind it: what a hook would read from spank_t, set by the test, and what
// the hook told Slurm (options registered, variables set, log lines), kept for the test to check.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "gracepack/features/step.hpp"

namespace gracepack::features::testing {

class FakeStep : public Step {
 public:
  Context ctx = Context::Local;
  std::string prog = "srun";
  std::map<std::string, std::string> vars;
  std::map<std::string, std::string> options;  // option_value(): what the user gave
  std::optional<std::uint32_t> job = 42, step = 0;
  std::optional<std::uint32_t> tasks = 1, node = 0;
  std::optional<int> task = 0;
  uid_t user = 1000;
  gid_t group = 1000;
  std::optional<std::string> stepd_node;  // slurmstepd's own name for this node

  mutable std::vector<std::string> registered, errors, infos, verbose, debug;
  mutable std::map<std::string, std::string> set;

  Context context() const override { return ctx; }
  std::string program() const override { return prog; }
  std::optional<std::string> getenv(const std::string& name) const override {
    if (auto it = set.find(name); it != set.end()) return it->second;
    if (auto it = vars.find(name); it != vars.end()) return it->second;
    return std::nullopt;
  }
  Status setenv(const std::string& name, const std::string& value) const override {
    set[name] = value;
    return Ok{};
  }
  Result<std::uint32_t> job_id() const override { return or_fail(job); }
  Result<std::uint32_t> step_id() const override { return or_fail(step); }
  Result<uid_t> uid() const override { return user; }
  Result<gid_t> gid() const override { return group; }
  Result<std::uint32_t> local_task_count() const override { return or_fail(tasks); }
  Result<int> local_task_id() const override { return or_fail(task); }
  Result<std::uint32_t> node_index() const override { return or_fail(node); }
  Result<pid_t> task_pid() const override { return fail("no task"); }
  Result<int> task_exit_status() const override { return 0; }
  Result<std::uint64_t> step_alloc_mem_bytes() const override { return std::uint64_t{0}; }
  std::optional<std::pair<std::uint32_t, std::uint32_t>> array_ids() const override {
    return std::nullopt;
  }
  // No cgroup here: the helpers stay where they start.
  Result<os::HelperCgroup> helper_cgroup() const override { return os::HelperCgroup{}; }
  std::optional<std::string> stepd_node_name() const override { return stepd_node; }
  bool slurm_placeholder = true;  // Slurm up to 24.11
  bool runs_extern_placeholder() const override { return slurm_placeholder; }
  mutable std::vector<pid_t> adopted;
  bool adoption_refused = false;
  Status adopt_into_extern_step(pid_t pid) const override {
    if (adoption_refused) return fail("Rejecting request to add extern pid: step is ending");
    adopted.push_back(pid);
    return Ok{};
  }
  Status register_option(const std::string& name) const override {
    registered.push_back(name);
    return Ok{};
  }
  std::optional<std::string> option_value(const std::string& name) const override {
    if (auto it = options.find(name); it != options.end()) return it->second;
    return std::nullopt;
  }
  void log_error(const std::string& m) const override { errors.push_back(m); }
  void log_info(const std::string& m) const override { infos.push_back(m); }
  void log_verbose(const std::string& m) const override { verbose.push_back(m); }
  void log_debug(const std::string& m) const override { debug.push_back(m); }

 private:
  template <class T>
  static Result<T> or_fail(const std::optional<T>& v) {
    if (v) return *v;
    return fail("not known here");
  }
};

constexpr std::uint32_t kBatchStep = 0xfffffffb;
constexpr std::uint32_t kExternStep = 0xfffffffc;

}  // namespace gracepack::features::testing
