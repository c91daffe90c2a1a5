// The job record gracepack-ctl prints and the watcher and the epilog parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/notice.hpp"
#include "gracepack/core/preempt/watcher_logic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto r = gracepack::parse_job_record(text)) {
    auto again = gracepack::parse_job_record(gracepack::format_job_record(*r));
    if (!again || !(*again == *r)) std::abort();
    (void)gracepack::judge_wake(*r);
    (void)gracepack::requeue_id(*r);
    (void)gracepack::notice_message(gracepack::notice_for(*r, {}, gracepack::RequeueBudgets{}, 0),
                                    r->job_id, 0);
  }
  return 0;
}
