#include "gracepack/core/retry.hpp"

#include <thread>

namespace gracepack {

RetryClock RetryClock::real() {
  return {[] { return std::chrono::steady_clock::now(); },
          [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }};
}

Retry::Retry(RetryPolicy policy, RetryClock clock)
    : policy_(policy), clock_(std::move(clock)), deadline_(clock_.now() + policy.budget) {}

bool Retry::again() {
  if (clock_.now() + policy_.pause > deadline_) return false;
  clock_.sleep(policy_.pause);
  ++waits_;
  return true;
}

}  // namespace gracepack
