// gracepack-plan: prints the layout --pack-gpus would choose, from facts given on the command
// line, without Slurm. For admins checking a node type and users checking a request.
#include <getopt.h>

#include <cstdio>
#include <string>

#include "gracepack/core/base/config.hpp"
#include "gracepack/core/base/cpuset.hpp"
#include "gracepack/core/base/options.hpp"
#include "gracepack/core/base/text.hpp"
#include "gracepack/core/pack/plan.hpp"
#include "gracepack/core/pack/task_env.hpp"

namespace {

const char kUsage[] =
    "usage: gracepack-plan --gpus N --tasks N [options]\n"
    "  --pack VALUE        the --pack-gpus value (default 1), e.g. 2 or 2,verbose\n"
    "  --gpus N            GPUs of the step on the node\n"
    "  --tasks N           tasks of the step on the node\n"
    "  --cpus LIST         CPUs the step may use (default 0-(N-1) for --ncpus N, else 0-7)\n"
    "  --ncpus N           shorthand for --cpus 0-(N-1)\n"
    "  --smt N             threads per core, siblings numbered core-major (default 1)\n"
    "  --numa N            NUMA nodes, CPUs and GPUs spread over them in blocks (default: "
    "unknown)\n"
    "  --gpu-cpus MAP      the admin's map, as the plugstack key: 0:0-15;1:16-31\n"
    "  --mem SIZE          the step's memory on the node, e.g. 128G (default: not limited)\n"
    "  --min-task-mem SIZE the cluster's minimum per task\n"
    "  --overcommit        allow fewer CPUs than tasks\n"
    "  --mps               the cluster enables MPS (mps=on): shares are enforced\n";

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "gracepack-plan: %s\n%s", msg.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gracepack;
  std::string pack = "1", cpus_text, gpu_map;
  long gpus = -1, tasks = -1, smt = 1, numas = 0;
  std::uint64_t mem = 0, min_mem = 0;
  bool overcommit = false, mps = false;
  static const option longopts[] = {
      {"pack", required_argument, nullptr, 'p'},  {"gpus", required_argument, nullptr, 'g'},
      {"tasks", required_argument, nullptr, 't'}, {"cpus", required_argument, nullptr, 'c'},
      {"ncpus", required_argument, nullptr, 'n'}, {"smt", required_argument, nullptr, 's'},
      {"numa", required_argument, nullptr, 'N'},  {"gpu-cpus", required_argument, nullptr, 'G'},
      {"mem", required_argument, nullptr, 'm'},   {"min-task-mem", required_argument, nullptr, 'M'},
      {"overcommit", no_argument, nullptr, 'o'},  {"help", no_argument, nullptr, 'h'},
      {"mps", no_argument, nullptr, 'S'},         {nullptr, 0, nullptr, 0}};
  auto number = [](const char* s, long max) -> long {
    auto v = text::parse_int(s, 0, max);
    return v ? static_cast<long>(*v) : -1;
  };
  for (int c; (c = getopt_long(argc, argv, "", longopts, nullptr)) != -1;) {
    switch (c) {
      case 'p':
        pack = optarg;
        break;
      case 'g':
        gpus = number(optarg, 1024);
        break;
      case 't':
        tasks = number(optarg, 65536);
        break;
      case 'c':
        cpus_text = optarg;
        break;
      case 'n': {
        const long n = number(optarg, 65536);
        if (n < 1) return usage_error("--ncpus: expected a positive number");
        cpus_text = "0-" + std::to_string(n - 1);
        break;
      }
      case 's':
        smt = number(optarg, 8);
        break;
      case 'N':
        numas = number(optarg, 64);
        break;
      case 'G':
        gpu_map = optarg;
        break;
      case 'm':
      case 'M': {
        auto size = text::parse_size(optarg);
        if (!size) return usage_error(std::string("'") + optarg + "' is not a size such as 64G");
        (c == 'm' ? mem : min_mem) = *size;
        break;
      }
      case 'o':
        overcommit = true;
        break;
      case 'S':
        mps = true;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return 0;
      default:
        return usage_error("unknown option");
    }
  }
  if (optind != argc) return usage_error(std::string("unexpected argument '") + argv[optind] + "'");
  if (gpus < 0 || tasks < 0) return usage_error("--gpus and --tasks are required");
  if (smt < 1) return usage_error("--smt: expected 1-8");
  if (numas < 0) return usage_error("--numa: expected 0-64");

  auto request = parse_pack_gpus(pack);
  if (!request) return usage_error(request.error().message);
  auto cpu_ids = parse_cpu_list(cpus_text.empty() ? "0-7" : cpus_text);
  if (!cpu_ids) return usage_error(cpu_ids.error().message);
  std::vector<std::string> config_args;
  if (!gpu_map.empty()) config_args.push_back("gpu_cpus=" + gpu_map);
  auto config = parse_config(config_args);
  if (!config) return usage_error(config.error().message);

  NodeFacts node;
  const auto ncpu = cpu_ids->size();
  for (std::size_t i = 0; i < ncpu; ++i) {
    const int id = (*cpu_ids)[i];
    node.cpus.push_back(
        Cpu{id, id / static_cast<int>(smt),
            numas ? static_cast<int>(i * static_cast<std::size_t>(numas) / ncpu) : -1});
  }
  for (long g = 0; g < gpus; ++g) {
    Gpu gpu{std::to_string(g), {}, numas ? static_cast<int>(g * numas / gpus) : -1};
    if (auto it = config->gpu_cpus.find(gpu.id); it != config->gpu_cpus.end())
      gpu.local_cpus = it->second;
    node.gpus.push_back(gpu);
  }
  node.tasks = static_cast<unsigned>(tasks);
  node.memory = mem;
  node.overcommit = overcommit;

  auto plan = plan_pack(*request, node, PackPolicy{min_mem});
  if (!plan) {
    std::fprintf(stderr, "gracepack-plan: %s\n", plan.error().message.c_str());
    return 1;
  }
  const PlanNotes notes{mem ? MemoryEnforcement::Cgroup : MemoryEnforcement::None,
                        mps ? "mps" : "advisory", "", false};
  std::fputs(format_plan(*request, node, *plan, "the node", notes).c_str(), stdout);
  return 0;
}
