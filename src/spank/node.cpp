#include "node.hpp"

#include <unistd.h>

#include <cstdlib>

#include "gracepack/slurm/hostlist.hpp"

namespace gracepack::spank {
namespace {

std::optional<std::string> step_node(const Spank& sp) {
  if (sp.is_step(StepKind::Batch)) return sp.getenv("HOSTNAME");
  auto index = sp.node_index();
  auto list = sp.getenv("SLURM_STEP_NODELIST");
  if (!list) list = sp.getenv("SLURM_JOB_NODELIST");
  if (!index || !list) return std::nullopt;
  return slurm::nth_host(*list, *index);
}

}  // namespace

std::string node_name(const Spank& sp) {
  if (sp.remote()) {
    if (auto n = step_node(sp); n && !n->empty()) return *n;
  }
  if (const char* n = std::getenv("SLURMD_NODENAME")) return n;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
  return "this node";
}

}  // namespace gracepack::spank
