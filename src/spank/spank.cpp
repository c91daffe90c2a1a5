#include "spank.hpp"

#include <errno.h>

#include <cstdlib>
#include <vector>

extern "C" {
#include <slurm/slurm.h>
}

#include "gracepack/core/base/cgroup_path.hpp"
#include "gracepack/core/base/text.hpp"
#include "gracepack/os/proc.hpp"
#include "gracepack/slurm/api.hpp"

namespace gracepack::spank {

constexpr std::size_t kMaxLog = 2048;  // bytes of one message in Slurm's logs

template <class T>
Result<T> SpankStep::item(spank_item_t item, const char* what) const {
  T v{};
  const spank_err_t rc = spank_get_item(sp_, item, &v);
  if (rc != ESPANK_SUCCESS)
    return fail(std::string("cannot read ") + what + " from Slurm: " + spank_strerror(rc));
  return v;
}

Context SpankStep::context() const {
  switch (spank_context()) {
    case S_CTX_LOCAL:
      return Context::Local;
    case S_CTX_ALLOCATOR:
      return Context::Allocator;
    case S_CTX_REMOTE:
      return Context::Remote;
    case S_CTX_SLURMD:
      return Context::Slurmd;
    case S_CTX_JOB_SCRIPT:
      return Context::JobScript;
    default:
      return Context::Unknown;
  }
}

std::string SpankStep::program() const {
  return program_invocation_short_name;
}

std::optional<std::string> SpankStep::getenv(const std::string& name) const {
  if (!remote()) {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  for (std::vector<char> buf(256); buf.size() <= (1u << 20); buf.resize(buf.size() * 4)) {
    const spank_err_t rc =
        spank_getenv(sp_, name.c_str(), buf.data(), static_cast<int>(buf.size()));
    if (rc == ESPANK_SUCCESS) return std::string(buf.data());
    if (rc != ESPANK_NOSPACE) break;
  }
  return std::nullopt;
}

Status SpankStep::setenv(const std::string& name, const std::string& value) const {
  if (!remote()) {
    if (::setenv(name.c_str(), value.c_str(), 1) != 0) return fail("cannot set " + name);
    return Ok{};
  }
  const spank_err_t rc = spank_setenv(sp_, name.c_str(), value.c_str(), 1);
  if (rc != ESPANK_SUCCESS) return fail("cannot set " + name + ": " + spank_strerror(rc));
  return Ok{};
}

// clang-format off
Result<std::uint32_t> SpankStep::job_id() const { return item<std::uint32_t>(S_JOB_ID, "the job id"); }
Result<std::uint32_t> SpankStep::step_id() const { return item<std::uint32_t>(S_JOB_STEPID, "the step id"); }
Result<uid_t> SpankStep::uid() const { return item<uid_t>(S_JOB_UID, "the job's user id"); }
Result<gid_t> SpankStep::gid() const { return item<gid_t>(S_JOB_GID, "the job's group id"); }
Result<std::uint32_t> SpankStep::local_task_count() const { return item<std::uint32_t>(S_JOB_LOCAL_TASK_COUNT, "the local task count"); }
Result<int> SpankStep::local_task_id() const { return item<int>(S_TASK_ID, "the local task id"); }
Result<std::uint32_t> SpankStep::node_index() const { return item<std::uint32_t>(S_JOB_NODEID, "the node's index"); }
Result<pid_t> SpankStep::task_pid() const { return item<pid_t>(S_TASK_PID, "the task's pid"); }
Result<int> SpankStep::task_exit_status() const { return item<int>(S_TASK_EXIT_STATUS, "the task's exit status"); }
// Messages may quote what a user wrote: bounded, control characters escaped (text::printable).
void SpankStep::log_error(const std::string& msg) const { slurm_error("gracepack: %s", text::printable(msg, kMaxLog).c_str()); }
void SpankStep::log_info(const std::string& msg) const { slurm_info("gracepack: %s", text::printable(msg, kMaxLog).c_str()); }
void SpankStep::log_verbose(const std::string& msg) const { slurm_verbose("gracepack: %s", text::printable(msg, kMaxLog).c_str()); }
void SpankStep::log_debug(const std::string& msg) const { slurm_debug("gracepack: %s", text::printable(msg, kMaxLog).c_str()); }
// clang-format on

Result<std::uint64_t> SpankStep::step_alloc_mem_bytes() const {
  auto mb = item<std::uint64_t>(S_STEP_ALLOC_MEM, "the step's memory");
  if (!mb) return mb.error();
  return *mb * 1024 * 1024;
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> SpankStep::array_ids() const {
  auto array = item<std::uint32_t>(S_JOB_ARRAY_ID, "the array id");
  auto task = item<std::uint32_t>(S_JOB_ARRAY_TASK_ID, "the array task id");
  if (!array || !task || *array == 0) return std::nullopt;
  return std::pair{*array, *task};
}

Result<os::HelperCgroup> SpankStep::helper_cgroup() const {
  auto step = step_id();
  if (!step) return step.error();
  return os::helper_cgroup_of_step(step_dir_name(*step));
}

std::optional<std::string> SpankStep::stepd_node_name() const {
  auto job = job_id();
  auto step = step_id();
  if (context() != Context::Remote || !job || !step) return std::nullopt;
  auto socket = os::stepd_socket(*job, *step);
  if (!socket) return std::nullopt;
  return socket->node;
}

Status SpankStep::adopt_into_extern_step(pid_t pid) const {
  auto job = job_id();
  auto step = step_id();
  if (!job || !step) return fail("cannot read the job from Slurm");
  auto socket = os::stepd_socket(*job, *step);
  if (!socket) return fail("the extern step's socket was not found among slurmstepd's");
  return slurm::add_extern_pid(socket->dir, socket->node, *job, pid);
}

Status SpankStep::register_option(const std::string& name) const {
  const spank_err_t rc = spank_option_register(sp_, option_named(name));
  if (rc != ESPANK_SUCCESS) return fail("cannot register --" + name + ": " + spank_strerror(rc));
  return Ok{};
}

std::optional<std::string> SpankStep::option_value(const std::string& name) const {
  char* optarg = nullptr;
  if (spank_option_getopt(sp_, option_named(name), &optarg) != ESPANK_SUCCESS) return std::nullopt;
  return std::string(optarg ? optarg : "");
}

}  // namespace gracepack::spank
