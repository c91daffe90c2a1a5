// Every file of a job's directory and root's marker beside it: the epilog (root) reads them from
// a directory the job's user controls. What parses must survive its own format.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gracepack/core/preempt/job_dir.hpp"
#include "gracepack/core/preempt/notice.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto n = gracepack::parse_notice(text)) {
    auto again = gracepack::parse_notice(gracepack::format_notice(*n));
    if (!again || again->deadline != n->deadline || again->signal != n->signal) std::abort();
    (void)gracepack::notice_message(*n, 1, 0);
  }
  if (auto s = gracepack::parse_watcher_status(text)) {
    auto again = gracepack::parse_watcher_status(gracepack::format_watcher_status(*s));
    if (!again) std::abort();
    if (again->state != s->state || again->run != s->run ||
        (s->state == gracepack::WatchState::Delivered &&
         (again->delivered != s->delivered || again->signalled != s->signalled)))
      std::abort();
  }
  if (auto m = gracepack::parse_run_marker(text)) {
    auto again = gracepack::parse_run_marker(gracepack::format_run_marker(*m));
    if (!again || !(*again == *m)) std::abort();
  }
  return 0;
}
