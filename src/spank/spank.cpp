#include "spank.hpp"

#include <cstdlib>
#include <vector>

extern "C" {
#include <slurm/slurm.h>
}

namespace gracepack::spank {
namespace {

template <class T>
Result<T> get(spank_t sp, spank_item_t item, const char* what) {
  T v{};
  const spank_err_t rc = spank_get_item(sp, item, &v);
  if (rc != ESPANK_SUCCESS)
    return fail(std::string("cannot read ") + what + " from Slurm: " + spank_strerror(rc));
  return v;
}

}  // namespace

const char* to_string(Context c) {
  switch (c) {
    case Context::Local:
      return "local";
    case Context::Allocator:
      return "allocator";
    case Context::Remote:
      return "remote";
    case Context::Slurmd:
      return "slurmd";
    case Context::JobScript:
      return "job_script";
    case Context::Unknown:
      break;
  }
  return "unknown";
}

Context Spank::context() const {
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

std::optional<std::string> Spank::getenv(const std::string& name) const {
  if (!remote()) {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::vector<char> buf(256);
  while (true) {
    const spank_err_t rc =
        spank_getenv(sp_, name.c_str(), buf.data(), static_cast<int>(buf.size()));
    if (rc == ESPANK_SUCCESS) return std::string(buf.data());
    if (rc != ESPANK_NOSPACE || buf.size() >= (1u << 20)) return std::nullopt;
    buf.resize(buf.size() * 4);
  }
}

Status Spank::setenv(const std::string& name, const std::string& value) const {
  if (!remote()) {
    if (::setenv(name.c_str(), value.c_str(), 1) != 0) return fail("cannot set " + name);
    return Ok{};
  }
  const spank_err_t rc = spank_setenv(sp_, name.c_str(), value.c_str(), 1);
  if (rc != ESPANK_SUCCESS) return fail("cannot set " + name + ": " + spank_strerror(rc));
  return Ok{};
}

Result<std::uint32_t> Spank::job_id() const {
  return get<std::uint32_t>(sp_, S_JOB_ID, "the job id");
}

Result<std::uint32_t> Spank::step_id() const {
  return get<std::uint32_t>(sp_, S_JOB_STEPID, "the step id");
}

Result<StepKind> Spank::step_kind() const {
  auto id = step_id();
  if (!id) return id.error();
  switch (*id) {
    case 0xfffffffb:
      return StepKind::Batch;
    case 0xfffffffc:
      return StepKind::Extern;
    case 0xfffffffa:
      return StepKind::Interactive;
    default:
      return StepKind::Normal;
  }
}

bool Spank::is_step(StepKind kind) const {
  auto k = remote() ? step_kind() : Result<StepKind>(fail("not in slurmstepd"));
  return k && *k == kind;
}

Result<uid_t> Spank::uid() const {
  return get<uid_t>(sp_, S_JOB_UID, "the job's user id");
}

Result<gid_t> Spank::gid() const {
  return get<gid_t>(sp_, S_JOB_GID, "the job's group id");
}

Result<std::uint32_t> Spank::local_task_count() const {
  return get<std::uint32_t>(sp_, S_JOB_LOCAL_TASK_COUNT, "the local task count");
}

Result<int> Spank::local_task_id() const {
  return get<int>(sp_, S_TASK_ID, "the local task id");
}

Result<std::uint32_t> Spank::node_index() const {
  return get<std::uint32_t>(sp_, S_JOB_NODEID, "the node's index");
}

Result<pid_t> Spank::task_pid() const {
  return get<pid_t>(sp_, S_TASK_PID, "the task's pid");
}

Result<int> Spank::task_exit_status() const {
  return get<int>(sp_, S_TASK_EXIT_STATUS, "the task's exit status");
}

Result<std::uint64_t> Spank::step_alloc_mem_bytes() const {
  auto mb = get<std::uint64_t>(sp_, S_STEP_ALLOC_MEM, "the step's memory");
  if (!mb) return mb.error();
  return *mb * 1024 * 1024;
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> Spank::array_ids() const {
  auto array = get<std::uint32_t>(sp_, S_JOB_ARRAY_ID, "the array id");
  auto task = get<std::uint32_t>(sp_, S_JOB_ARRAY_TASK_ID, "the array task id");
  if (!array || !task || *array == 0) return std::nullopt;
  return std::pair{*array, *task};
}

Status Spank::register_option(struct spank_option* opt) const {
  const spank_err_t rc = spank_option_register(sp_, opt);
  if (rc != ESPANK_SUCCESS) {
    return fail(std::string("cannot register --") + opt->name + ": " + spank_strerror(rc));
  }
  return Ok{};
}

std::optional<std::string> Spank::option_value(struct spank_option* opt) const {
  char* optarg = nullptr;
  if (spank_option_getopt(sp_, opt, &optarg) != ESPANK_SUCCESS) return std::nullopt;
  return std::string(optarg ? optarg : "");
}

void log_error(const std::string& msg) {
  slurm_error("gracepack: %s", msg.c_str());
}
void log_info(const std::string& msg) {
  slurm_info("gracepack: %s", msg.c_str());
}
void log_verbose(const std::string& msg) {
  slurm_verbose("gracepack: %s", msg.c_str());
}
void log_debug(const std::string& msg) {
  slurm_debug("gracepack: %s", msg.c_str());
}

}  // namespace gracepack::spank
