#include "gracepack/core/preempt/epilog_budget.hpp"

#include <algorithm>
#include <cctype>

#include "gracepack/core/base/text.hpp"

namespace gracepack {

EpilogBudget epilog_budget(unsigned ctld_wait, std::optional<unsigned> slurm_timeout) {
  using std::chrono::seconds;
  EpilogBudget b;
  b.wait = seconds(ctld_wait);
  b.total = b.wait + 2 * kCtlCall;
  if (!slurm_timeout) return b;
  const seconds limit(*slurm_timeout);
  const seconds room = limit > kEpilogMargin ? limit - kEpilogMargin : seconds(0);
  if (b.total > room) {
    b.total = room;
    b.wait = room > 2 * kCtlCall ? room - 2 * kCtlCall : seconds(0);
    b.note = "ctld_wait=" + std::to_string(ctld_wait) + " does not fit Slurm's epilog timeout of " +
             std::to_string(*slurm_timeout) + " s: the epilog gives up on slurmctld after " +
             std::to_string(b.total.count()) + " s";
  }
  return b;
}

std::optional<unsigned> epilog_timeout_from_conf(std::string_view conf) {
  std::optional<unsigned> prolog_epilog, epilog;
  for (auto line : text::split(conf, '\n')) {
    line = text::trim(line.substr(0, line.find('#')));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(text::trim(line.substr(0, eq)));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto value = text::parse_int(text::trim(line.substr(eq + 1)), 0, 65534);
    if (!value) continue;
    if (key == "prologepilogtimeout") prolog_epilog = static_cast<unsigned>(*value);
    if (key == "epilogtimeout") epilog = static_cast<unsigned>(*value);
  }
  return epilog ? epilog : prolog_epilog;
}

}  // namespace gracepack
