// One retry policy for every call to slurmctld that may fail only because slurmctld does not
// answer (restarting, failing over, busy, or asking clients to back off): the watcher's read at
// grace start and the job epilog's reads and requeue. A call is repeated after `pause` while the
// total stays within `budget`, each pause `factor` times the last up to `max_pause` (backing off
// as slurmctld's rate limiting asks); an answer that is a refusal is final.
#pragma once

#include <chrono>
#include <functional>

namespace gracepack {

struct RetryPolicy {
  std::chrono::milliseconds pause{5000};
  std::chrono::milliseconds budget{120000};
  unsigned factor = 1;
  std::chrono::milliseconds max_pause{0};  // 0: no cap beyond the budget
};

// The clock and the pause, so that tests run without waiting.
struct RetryClock {
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  static RetryClock real();
};

class Retry {
 public:
  Retry(RetryPolicy policy, RetryClock clock);
  // Pauses and says true when one more try fits the budget; false (at once) when not.
  bool again();
  unsigned waits() const { return waits_; }
  // Time left before the budget runs out (0 once it has).
  std::chrono::milliseconds left() const;

 private:
  RetryPolicy policy_;
  RetryClock clock_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::milliseconds pause_;
  unsigned waits_ = 0;
};

// Runs `call` until it succeeds, fails for good, or `retry` says stop.
template <class Call>
auto with_retry(const Call& call, Retry& retry) {
  auto r = call();
  while (!r && r.error().transient && retry.again()) r = call();
  return r;
}

}  // namespace gracepack
