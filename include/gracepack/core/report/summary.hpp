// gracepack-report --summary: counters per partition and user, in memory that does not grow with
// the log (one Counters per partition and user pair seen, about 4.3 KiB each), but for each
// preempted job's count of preemptions (21 to 43 bytes a job, JobPreemptions).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gracepack/core/report/report.hpp"

namespace gracepack::report {

// Notice latencies in one-second buckets: exact, since the log's times are whole seconds, and
// of fixed size. Latencies of kBuckets - 1 s or more share the last bucket, whose quantile reads
// as the largest latency seen; a negative one (the node's clock behind slurmctld's) counts as 0.
class LatencyHistogram {
 public:
  static constexpr std::size_t kBuckets = 512;

  void add(std::int64_t seconds);
  void merge(const LatencyHistogram& o);
  std::uint64_t count() const { return count_; }
  std::uint64_t sum() const { return sum_; }
  // Nearest rank: the smallest latency that at least q of the notices did not exceed.
  std::optional<std::int64_t> quantile(double q) const;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::int64_t max_ = 0;
};

// What the records of one partition and user (or all of them) add up to.
struct Counters {
  std::uint64_t runs = 0;                // decision records: one per run of a --preempt-requeue job
  std::uint64_t preemptions = 0;         // runs whose cause is preemption
  std::uint64_t notices = 0;             // notices delivered
  LatencyHistogram latency;              // grace start to notice delivered
  std::uint64_t exited_in_time = 0;      // preempted runs whose script ended before the deadline
  std::uint64_t killed_at_deadline = 0;  // ... and those Slurm killed at it
  std::uint64_t end_unknown = 0;         // ... and those whose record has no script end
  std::uint64_t requeues = 0;
  std::uint64_t caps = 0;      // not requeued: the cap was reached
  std::uint64_t refusals = 0;  // not requeued: the job does not allow requeues
  std::uint64_t errors = 0;
  std::uint64_t preempted_run_seconds = 0;  // how long preempted runs had run at grace start
  // Preempted runs that ended in time, by the tenth of the window they used (0-10 %, ... 90-100 %).
  std::array<std::uint64_t, 10> window_used{};
  // Issue 19: the decision records' own fields, summed as written (docs/report.md defines them).
  std::uint64_t acknowledged = 0;           // runs with `checkpoint` or `checkpoint_in_window`
  std::uint64_t lost_none = 0;              // `lost` "none": saved inside the window
  std::uint64_t lost_since_checkpoint = 0;  // `lost` "since_checkpoint"
  std::uint64_t lost_unknown = 0;           // `lost` "unknown": the run never acknowledged
  std::uint64_t lost_not_recorded = 0;      // a grace start but no `lost` known: older records
  std::uint64_t lost_seconds = 0;           // sums of the fields of the same names
  std::uint64_t lost_gpu_seconds = 0;
  std::uint64_t lost_cpu_seconds = 0;
  std::uint64_t lost_at_most_seconds = 0;  // of the runs whose loss is unknown
  std::uint64_t grace_returned = 0;        // runs that handed the rest of their grace back
  std::uint64_t grace_returned_seconds = 0;
  // Issue 20: requeues by cause, and the moves into the protected QOS (protect_qos).
  std::uint64_t requeues_preemption = 0;  // `requeue` records whose cause is preemption
  std::uint64_t requeues_other = 0;       // ... whose cause is another (time limit) or unknown
  std::uint64_t qos_moves = 0;            // decision records with a `requeue_qos`
  std::uint64_t qos_refusals = 0;         // decision records with a `qos_note`: move refused
  // Per job, filled in by Summary::groups() and total() (add() leaves them): the jobs preempted
  // more than the alert threshold, and the most preemptions of one job. A job counts in the group
  // of its last record that tells of a preemption; merge() adds the first, keeps the larger second.
  std::uint64_t jobs_over_threshold = 0;
  std::uint64_t max_job_preemptions = 0;

  void add(const AuditLine& r);
  void merge(const Counters& o);

 private:
  void add_lost(const AuditLine& r);
};

struct SummaryFilter {
  std::optional<std::int64_t> since;     // records written at or after
  std::optional<std::int64_t> until;     // records written before
  std::string user;                      // a name or a uid; empty: every user
  std::string partition;                 // empty: every partition
  std::optional<std::int64_t> only_uid;  // a user who is not an admin sees only their records
  bool matches(const AuditLine& r) const;
};

// Each job's preemptions, for the alert on jobs preempted too often: an open-addressing table of
// 16 bytes a slot, at most 3/4 full, holding only the jobs with a preemption on record.
class JobPreemptions {
 public:
  struct Entry {
    std::uint32_t job = 0;
    std::uint32_t group = 0;  // Summary's index of the job's last group, + 1; 0: an empty slot
    std::uint32_t field = 0;  // the largest preemptions_of() seen, + 1; 0: none on record
    std::uint32_t runs = 0;   // decision records whose cause is preemption
    // The job's preemptions: the largest preemptions_of() its records (run.hpp), else (older
    // records) the number of its runs whose cause is preemption.
    std::uint32_t count() const { return field ? field - 1 : runs; }
  };

  Entry* find(std::uint32_t job);
  Entry& insert(std::uint32_t job);  // found, or a new entry (group 0 until the caller sets it)
  std::size_t size() const { return used_; }
  std::size_t capacity() const { return slots_.size(); }
  const std::vector<Entry>& slots() const { return slots_; }  // those with group > 0 are jobs

 private:
  std::size_t home(std::uint32_t job) const;
  void grow();
  std::vector<Entry> slots_;
  std::size_t used_ = 0;
};

class Summary {
 public:
  struct Group {
    std::string partition;
    std::string user;
    Counters counters;
  };
  static constexpr std::uint32_t kDefaultAlertPreemptions = 3;

  // `alert_preemptions`: jobs preempted more than this many times are counted apart
  // (Counters::jobs_over_threshold), for an alert.
  explicit Summary(SummaryFilter filter, std::uint32_t alert_preemptions = kDefaultAlertPreemptions)
      : filter_(std::move(filter)), alert_(alert_preemptions) {}
  void add(const AuditLine& r);  // counted if the filter lets it through
  std::uint64_t counted() const { return counted_; }
  std::vector<Group> groups() const;  // by partition, then user
  Counters total() const;
  std::uint32_t alert_preemptions() const { return alert_; }
  const JobPreemptions& jobs() const { return jobs_; }

 private:
  void add_job(const AuditLine& r);

  SummaryFilter filter_;
  std::uint32_t alert_;
  std::unordered_map<std::string, std::uint32_t> index_;  // partition '\0' user -> groups_
  std::vector<std::pair<std::string, Counters>> groups_;  // that key, its counters
  JobPreemptions jobs_;
  std::string key_;       // the current record's, in a buffer that is reused
  std::string last_key_;  // a run's notice and decision come together: the same pair
  std::uint32_t last_ = 0;
  bool has_last_ = false;
  std::uint64_t counted_ = 0;
};

// What the tool read, for the outputs that report it.
struct ReadStats {
  std::size_t files = 0;
  std::uint64_t lines = 0;
  std::uint64_t skipped = 0;  // lines that were not audit records
};

// A plain table for a terminal, with a line saying what the columns mean.
std::string format_table(const Summary& s, const ReadStats& read);
// One JSON object, for scripts.
std::string format_json(const Summary& s, const ReadStats& read);

enum class MetricsFormat {
  OpenMetrics,     // OpenMetrics 1.0: counter families without _total, samples with it, # EOF
  PrometheusText,  // Prometheus text 0.0.4, what node_exporter's textfile collector parses
};
std::string format_metrics(const Summary& s, const ReadStats& read, MetricsFormat format);

}  // namespace gracepack::report
