// plugstack.conf arguments: whitespace-separated words, as Slurm splits the line.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "gracepack/core/base/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<std::string> args;
  for (std::string w; in >> w;) args.push_back(w);
  auto c = gracepack::parse_config(args);
  if (c) (void)gracepack::describe(*c);
  return 0;
}
