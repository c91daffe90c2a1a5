// The notice file and the watcher's status file, which the epilog (root) reads from a directory
// the job's user controls. What parses must survive its own format.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gracepack/controller.hpp"
#include "gracepack/preempt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto n = gracepack::parse_notice(text)) {
    auto again = gracepack::parse_notice(gracepack::format_notice(*n));
    if (!again || again->deadline != n->deadline || again->signal != n->signal) std::abort();
    (void)gracepack::notice_message(*n, 1, 0);
  }
  if (auto s = gracepack::parse_watcher_status(text)) {
    auto again = gracepack::parse_watcher_status(gracepack::format_watcher_status(*s));
    if (!again || again->delivered != s->delivered || again->signalled != s->signalled ||
        again->preempt_time != s->preempt_time)
      std::abort();
  }
  return 0;
}
