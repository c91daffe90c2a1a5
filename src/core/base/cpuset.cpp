#include "gracepack/core/base/cpuset.hpp"

#include <algorithm>

#include "gracepack/core/base/text.hpp"

namespace gracepack {

Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  text = text::trim(text);
  std::vector<int> cpus;
  if (text.empty()) return cpus;
  for (std::string_view part : text::split(text, ',')) {
    const auto dash = part.find('-');
    const auto lo = text::parse_int(part.substr(0, dash), 0, 65535);
    const auto hi =
        dash == std::string_view::npos ? lo : text::parse_int(part.substr(dash + 1), 0, 65535);
    if (!lo || !hi || *hi < *lo) {
      return fail("'" + std::string(text) + "' is not a CPU list (e.g. 0-3,8)");
    }
    for (auto c = *lo; c <= *hi; ++c) cpus.push_back(static_cast<int>(c));
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace gracepack
