// Job records and controllers made up for tests of the preemption path.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gracepack/core/preempt/controller.hpp"
#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/policy.hpp"
#include "gracepack/core/preempt/retry.hpp"

namespace gracepack::fakes {

// A job of uid 1001 that started at 50; `preempt` is slurmctld's preempt time (0: none).
inline JobRecord job(JobState s, std::time_t preempt = 0, unsigned restarts = 0) {
  JobRecord r;
  r.job_id = 42;
  r.user = 1001;
  r.state = s;
  r.start_time = 50;
  r.preempt_time = preempt;
  r.end_time = preempt ? preempt + 15 : 0;
  r.restart_count = restarts;
  r.partition = "low-grace";
  r.batch_host = "node1";
  return r;
}

// Both requeue budgets `n` (after preemption, other causes), no protection.
inline RequeueBudgets caps(unsigned n) {
  return {n, n, 0, ""};
}
// A job preempted at `preempt` after `preemptions` earlier preemptions, each requeued.
inline JobRecord preempted(JobState s, std::time_t preempt, unsigned preemptions) {
  JobRecord r = job(s, preempt, preemptions);
  r.preemptions = preemptions;
  return r;
}

class FakeController : public Controller {
 public:
  std::optional<JobRecord> record;
  int loads = 0;
  int requeues = 0;
  std::string requeued_id;
  bool refuse = false;
  int down = 0;  // the first `down` calls find slurmctld away
  bool lose_answer = false;

  Result<JobRecord> load_job(std::uint32_t) override {
    ++loads;
    if (down > 0 && down--) return fail_transient("Unable to contact slurm controller");
    if (!record) return fail("Socket timed out");
    return *record;
  }
  Status requeue(const std::string& id) override {
    if (down > 0 && down--) return fail_transient("Unable to contact slurm controller");
    if (refuse) return fail("Requested operation is presently disabled");
    ++requeues;
    requeued_id = id;
    if (lose_answer) {
      lose_answer = false;
      record->restart_count += 1;
      record->state = JobState::Pending;
      return fail_transient("Zero Bytes were transmitted or received");
    }
    return Ok{};
  }
  // mark(): each call as "JOB N QOS"; a QOS in refuse_qos is refused as slurmctld refuses one.
  std::vector<std::string> marks;
  std::string refuse_qos;
  Status mark(std::uint32_t job_id, unsigned n, const std::string& qos) override {
    if (down > 0 && down--) return fail_transient("Unable to contact slurm controller");
    if (!qos.empty() && qos == refuse_qos) return fail("Invalid qos specification");
    marks.push_back(std::to_string(job_id) + " " + std::to_string(n) + " " + qos);
    if (record) {
      record->preemptions = n;
      if (!qos.empty()) record->qos = qos;
    }
    return Ok{};
  }
};

// A clock that never waits: each pause moves time on.
struct FakeClock {
  std::chrono::steady_clock::time_point t{};
  int pauses = 0;
  RetryClock clock() {
    return {[this] { return t; },
            [this](std::chrono::milliseconds d) {
              t += d;
              ++pauses;
            }};
  }
};

}  // namespace gracepack::fakes
