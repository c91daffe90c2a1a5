// Checks gracepack's MPS path on a real NVIDIA GPU, outside Slurm: starts the control daemon the
// way slurmstepd does (os::MpsDaemon), runs two clients with the per-task variables that
// --pack-gpus=2 sets (mps_environment), prints what each client sees, then stops the daemon and
// checks that nothing is left. Also runs one client with the same variables and NO daemon, to
// show they are ignored then. Usage: mps_check CLIENT_PROGRAM [ARGS...]. Exits 1 when a client
// fails (client.py exits non-zero on an implausible reading), when the daemon is still alive after
// stop() or its directory is left behind; 0 only when all of it held.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "gracepack/os/mps_daemon.hpp"
#include "gracepack/os/process.hpp"

extern char** environ;

int main(int argc, char** argv) {
  using namespace gracepack;
  if (argc < 2) {
    std::fprintf(stderr, "usage: mps_check CLIENT [ARGS...]\n");
    return 2;
  }
  std::vector<std::string> base;
  for (char** e = environ; *e; ++e) base.emplace_back(*e);
  const char* path = std::getenv("PATH");
  auto control = os::find_program("nvidia-cuda-mps-control", path ? path : "");
  auto smi = os::find_program("nvidia-smi", path ? path : "");
  if (!control || !smi) {
    std::printf("nvidia-cuda-mps-control or nvidia-smi not found\n");
    return 1;
  }
  os::MpsRuntime rt{*control, base, getuid(), getgid()};
  std::vector<std::string> client(argv + 1, argv + argc);

  TaskSlot slot;
  slot.sharers = 2;
  slot.gpu_percent = 50;
  bool failed = false;
  auto run_client = [&](const MpsShare& share, const char* label) {
    os::SpawnOptions o;
    o.argv = client;
    o.env = base;
    o.env.push_back("CUDA_VISIBLE_DEVICES=0");
    for (const auto& [k, v] : mps_environment(slot, share)) o.env.push_back(k + "=" + v);
    auto out = os::run_output(o, std::chrono::seconds(120));
    std::printf("%s: %s", label, out ? out->c_str() : (out.error().message + "\n").c_str());
    if (!out) failed = true;
  };

  os::SpawnOptions q;
  q.argv = {*smi, "--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i", "0"};
  q.env = base;
  auto mem_text = os::run_output(q, std::chrono::seconds(20));
  auto mem = mem_text ? parse_gpu_memory_mib(*mem_text) : Result<std::uint64_t>(mem_text.error());
  std::printf("gpu memory: %s\n", mem ? std::to_string(*mem >> 20).append(" MiB").c_str()
                                      : mem.error().message.c_str());

  // Without a daemon: the same variables, silently ignored by CUDA.
  MpsShare none{"/tmp/gracepack-no-daemon/pipe", "/tmp/gracepack-no-daemon/log", mem ? *mem : 0};
  run_client(none, "no daemon");

  auto daemon = os::MpsDaemon::start(rt, "check");
  if (!daemon) {
    std::printf("daemon did not start: %s\n", daemon.error().message.c_str());
    return 1;
  }
  daemon->share().gpu_memory = mem ? *mem : 0;
  const pid_t pid = daemon->pid();
  const std::string dir = daemon->share().pipe_dir.substr(0, daemon->share().pipe_dir.rfind('/'));
  std::printf("daemon pid %d answered; dir %s\n", pid, dir.c_str());
  for (const auto& [k, v] : mps_environment(slot, daemon->share())) {
    std::printf("  %s=%s\n", k.c_str(), v.c_str());
  }
  run_client(daemon->share(), "task 0 with daemon");
  run_client(daemon->share(), "task 1 with daemon");
  daemon->stop();
  struct stat st {};
  const bool alive = kill(pid, 0) == 0, left = stat(dir.c_str(), &st) == 0;
  std::printf("after stop: daemon %s, dir %s\n", alive ? "ALIVE" : "gone",
              left ? "LEFT BEHIND" : "removed");
  if (alive || left || failed) {
    std::printf("mps_check: FAILED\n");
    return 1;
  }
  std::printf("mps_check: ok\n");
  return 0;
}
