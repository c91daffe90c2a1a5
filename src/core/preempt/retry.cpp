#include "gracepack/core/preempt/retry.hpp"

#include <thread>

namespace gracepack {

RetryClock RetryClock::real() {
  return {[] { return std::chrono::steady_clock::now(); },
          [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }};
}

Retry::Retry(RetryPolicy policy, RetryClock clock)
    : policy_(policy),
      clock_(std::move(clock)),
      deadline_(clock_.now() + policy.budget),
      pause_(policy.pause) {}

bool Retry::again() {
  if (clock_.now() + pause_ > deadline_) return false;
  clock_.sleep(pause_);
  ++waits_;
  if (policy_.factor > 1) {
    pause_ *= policy_.factor;
    if (policy_.max_pause.count() > 0 && pause_ > policy_.max_pause) pause_ = policy_.max_pause;
  }
  return true;
}

std::chrono::milliseconds Retry::left() const {
  const auto d = deadline_ - clock_.now();
  return d.count() > 0 ? std::chrono::duration_cast<std::chrono::milliseconds>(d)
                       : std::chrono::milliseconds(0);
}

}  // namespace gracepack
