#include "gracepack/os/mps_daemon.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "gracepack/core/base/text.hpp"

namespace gracepack::os {
namespace {

SpawnOptions as_user(const MpsRuntime& rt, std::vector<std::string> argv,
                     std::vector<std::string> env) {
  SpawnOptions o;
  o.argv = std::move(argv);
  o.env = std::move(env);
  o.as = RunAs{rt.uid, rt.gid, {}};
  o.cgroup = rt.cgroup;
  return o;
}

}  // namespace

Result<MpsDaemon> MpsDaemon::start(const MpsRuntime& rt, const std::string& tag) {
  MpsDaemon d;
  d.rt_ = rt;
  d.owner_ = ::getpid();
  std::string templ = "/tmp/gracepack-mps-" + tag + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    return fail("cannot create a private MPS directory: " + std::string(std::strerror(errno)));
  }
  d.dir_ = templ;
  d.share_.pipe_dir = d.dir_ + "/pipe";
  d.share_.log_dir = d.dir_ + "/log";
  for (const auto& sub : {d.share_.pipe_dir, d.share_.log_dir}) {
    if (::mkdir(sub.c_str(), 0700) != 0) {
      return fail("cannot create " + sub + ": " + std::strerror(errno));
    }
  }
  struct stat st {};
  if (::stat(d.share_.pipe_dir.c_str(), &st) != 0) {
    return fail("cannot stat " + d.share_.pipe_dir + ": " + std::strerror(errno));
  }
  d.share_.pipe_dev = st.st_dev;
  d.share_.pipe_ino = st.st_ino;
  std::vector<std::string> env = rt.base_env;
  env.push_back("CUDA_MPS_PIPE_DIRECTORY=" + d.share_.pipe_dir);
  env.push_back("CUDA_MPS_LOG_DIRECTORY=" + d.share_.log_dir);
  SpawnOptions daemon = as_user(rt, {rt.control, "-f"}, env);
  daemon.die_with_parent = true;
  auto child = spawn(daemon);
  if (!child) return child.error();
  d.daemon_ = std::move(child).value();

  // Ready when a client gets an answer; the real daemon takes a moment to open its pipe.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto status = d.daemon_.wait_for(std::chrono::milliseconds(0))) {
      if (WIFEXITED(*status) && WEXITSTATUS(*status) == 125)
        return fail("cannot place " + rt.control + " in the step's helper cgroup " + rt.cgroup);
      return fail(rt.control + " -f exited at once; see its log in " + d.share_.log_dir);
    }
    SpawnOptions probe = as_user(rt, {rt.control}, env);
    probe.stdin_text = "get_server_list\n";
    auto rc = run(probe, std::chrono::seconds(3));
    if (rc && *rc == 0) return d;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fail(rt.control + " did not answer within 10 s");
}

void MpsDaemon::ask_to_quit() const {
  std::vector<std::string> env = rt_.base_env;
  env.push_back("CUDA_MPS_PIPE_DIRECTORY=" + share_.pipe_dir);
  env.push_back("CUDA_MPS_LOG_DIRECTORY=" + share_.log_dir);
  SpawnOptions quit = as_user(rt_, {rt_.control}, env);
  quit.stdin_text = "quit\n";
  (void)run(quit, std::chrono::seconds(3));
}

void MpsDaemon::stop() {
  if (dir_.empty() || !owned_here()) return;
  if (daemon_.running()) {
    ask_to_quit();
    if (!daemon_.wait_for(std::chrono::seconds(3))) daemon_.stop(std::chrono::seconds(2));
  }
  // Removed as the user, so nothing the user put there can make root delete anything else.
  (void)run(as_user(rt_, {"/bin/rm", "-rf", "--", dir_}, rt_.base_env), std::chrono::seconds(10));
  dir_.clear();
}

namespace {

// The pinned-memory limit needs one GPU's size; without it only the compute share applies.
Result<std::uint64_t> gpu_memory(const MpsRequest& r, const MpsRuntime& rt) {
  auto smi = find_program(r.smi, r.path);
  if (!smi) return fail(r.smi + " not found");
  SpawnOptions q =
      as_user(rt, {*smi, "--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i", r.gpu},
              rt.base_env);
  auto out = run_output(q, std::chrono::seconds(10));
  if (!out) return out.error();
  return parse_gpu_memory_mib(*out);
}

}  // namespace

StepMps start_step_mps(const MpsRequest& r) {
  StepMps out;
  auto control = find_program(r.control, r.path);
  if (!control) {
    out.note = "MPS control program '" + r.control + "' not found";
    return out;
  }
  const MpsRuntime rt{*control, {"PATH=" + r.path, "HOME=/tmp"}, r.uid, r.gid, r.cgroup};
  auto daemon = MpsDaemon::start(rt, r.tag);
  if (!daemon) {
    out.note = daemon.error().message;
    return out;
  }
  out.daemon = std::move(*daemon);
  if (auto bytes = gpu_memory(r, rt)) out.daemon->share().gpu_memory = *bytes;
  return out;
}

Status mps_reachable(const MpsShare& share) {
  struct stat st {};
  if (::stat(share.pipe_dir.c_str(), &st) != 0) {
    return fail("the MPS pipe directory " + share.pipe_dir +
                " is not visible to the task (a private /tmp, e.g. job_container/tmpfs)");
  }
  if (st.st_dev != share.pipe_dev || st.st_ino != share.pipe_ino) {
    return fail("the task sees another " + share.pipe_dir +
                " than the MPS daemon (a private /tmp, e.g. job_container/tmpfs)");
  }
  return Ok{};
}

}  // namespace gracepack::os
