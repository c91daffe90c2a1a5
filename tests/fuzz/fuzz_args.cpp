// Argument vectors: the watcher's (written by the plugin, read by the watcher) must round-trip;
// sbatch's (the user's, read in sbatch) and a batch script's directives must never crash.
// The input is split at NUL bytes into words; /proc/<pid>/stat lines are tried on the raw text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "gracepack/core/base/proc_text.hpp"
#include "gracepack/core/base/text.hpp"
#include "gracepack/core/preempt/sbatch_args.hpp"
#include "gracepack/core/preempt/watcher_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  for (auto w : gracepack::text::split(text, '\0')) words.emplace_back(w);
  if (auto a = gracepack::parse_watcher_args(words)) {
    auto argv = gracepack::to_argv(*a, "/w");
    auto again =
        gracepack::parse_watcher_args(std::vector<std::string>(argv.begin() + 1, argv.end()));
    if (!again || !(*again == *a)) std::abort();
  }
  (void)gracepack::sbatch_command_line(words);
  (void)gracepack::sbatch_script_directives(text);
  (void)gracepack::parse_proc_stat(text);
  (void)gracepack::parse_status_uid(text);
  return 0;
}
