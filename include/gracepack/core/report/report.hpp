// gracepack-report's input: the audit log the job epilog writes, one JSON object per line (see
// preempt/audit.hpp for the writer). The reader is strict about each line and tolerant of the file:
// a truncated or garbled line is an error for that line only, and fields it does not know are
// passed over, so that a later version's log still reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/policy.hpp"
#include "gracepack/core/report/json.hpp"

namespace gracepack::report {

enum class AuditEvent { Notice, Requeue, NoRequeue, Cap, Refused, Error, Ignored, Other };
const char* to_string(AuditEvent e);
// A decision record's `lost`: how the work a run lost to its grace start is known.
enum class Lost {
  None,             // an acknowledgement inside the grace window saved it: 0 lost
  SinceCheckpoint,  // lost_seconds = grace start - the last acknowledgement before it
  Unknown,          // the run never acknowledged: at most lost_at_most_seconds
  Other,            // a value this version does not know: counted nowhere
};
const char* to_string(Lost l);
// The one record that ends each run: requeue, no-requeue, cap, refused or error.
bool is_decision(AuditEvent e);

// One line of the audit log as the report reads it. Times are epoch seconds.
struct AuditLine {
  std::int64_t time = 0;  // when the epilog wrote it: about the end of the run
  AuditEvent event = AuditEvent::Other;
  std::uint32_t job_id = 0;
  std::optional<std::uint32_t> array_job_id;
  std::optional<std::uint32_t> array_task_id;
  std::int64_t uid = -1;
  std::string user;
  std::string partition;
  std::string state;              // slurmctld's, e.g. COMPLETED, PREEMPTED
  std::optional<Cause> cause;     // nullopt: a name this version does not know
  std::int64_t preempt_time = 0;  // grace start, 0: not preempted
  std::int64_t end_time = 0;      // slurmctld's end time when the epilog asked (see deadline)
  std::int64_t restart_count = 0;
  std::optional<std::int64_t> start_time;  // slurmctld's start of the run
  std::optional<std::int64_t> notice_delivered;
  std::optional<std::int64_t> processes_signalled;
  // The grace deadline the watcher read at grace start. Older records lack it: end_time is the
  // deadline of a job that ran to it, but a job that ended inside its window has its own end there.
  std::optional<std::int64_t> deadline;
  std::optional<std::int64_t> run_start;      // the batch step's start on the node
  std::optional<std::int64_t> script_exit;    // when the batch script ended
  std::optional<std::int64_t> script_status;  // its wait status
  std::string decision;
  std::string reason;
  // Issue 19, on the decision record of a run that had a grace start (docs/report.md defines
  // each). Older records lack them: nullopt and "" then mean "not on record".
  std::optional<std::int64_t> alloc_nodes;  // the run's allocation, from slurmctld's job record
  std::optional<std::int64_t> alloc_cpus;
  std::optional<std::int64_t> alloc_gpus;
  std::string alloc_gpu_types;  // "a100:2,v100:1"; "" also when untyped
  // The grace start the loss is counted from, where the epilog wrote it (slurmctld's, as the
  // watcher read it when the window began: preempt_time may have moved since); else preempt_time.
  std::optional<std::int64_t> grace_start;
  std::optional<std::int64_t> checkpoint;  // the last acknowledgement at or before grace start
  std::optional<std::int64_t> checkpoint_in_window;  // the last acknowledgement after grace start
  std::string checkpoint_label;  // what the program wrote with the last acknowledgement of the two
  std::string checkpoint_note;   // why the acknowledgement file counted as none
  std::optional<Lost> lost;
  std::optional<std::int64_t> lost_seconds;
  std::optional<std::int64_t> lost_at_most_seconds;  // for Lost::Unknown
  std::optional<std::int64_t> lost_gpu_seconds;
  std::optional<std::int64_t> lost_cpu_seconds;
  std::optional<std::int64_t> grace_returned_seconds;  // handed back: deadline - the run's end
  // The requeue budgets (issue 20), on the decision record of a run whose slurmctld record was
  // read. Older records lack them: nullopt and "" then mean "not on record".
  std::string qos;                             // the QOS the run ran in
  std::optional<std::int64_t> preemptions;     // the job's preemptions so far, this run's included
  std::optional<std::int64_t> other_requeues;  // its restarts for other causes before this run
  std::string requeue_qos;  // the protected QOS gracepack moved the job into (protect_qos)
  std::string qos_note;     // why slurmctld refused that move
  bool operator==(const AuditLine&) const = default;
};

// Parses lines into a reused AuditLine: once its strings have grown, a line costs no allocation.
class AuditLineParser {
 public:
  // keep_text false: decision, reason and the other texts only a story shows (the checkpoint's
  // label and note, the GPU types, the QOS) are checked but not copied: the summary reads none
  // of them (it counts requeue_qos and qos_note, which it copies).
  explicit AuditLineParser(bool keep_text = true) : keep_text_(keep_text) {}

  // time, event, job_id and uid are required; every other field may be missing. On error `out`
  // holds a partly read line.
  Status parse(std::string_view line, AuditLine& out);

 private:
  bool keep_text_;
  std::vector<json::Member> members_;
  // The field that followed each field (by its index; the last entry: the first field) in the
  // previous line: lines of one log share a layout, so the next key is found at the first try.
  std::vector<std::uint8_t> follows_;
};

// Cuts a byte stream, fed in blocks of any size, into lines, holding at most one line: a line
// longer than max_line is handed on as too long (and not kept) so that memory stays bounded.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line) : max_line_(max_line) {}

  // on_line(std::string_view line, std::uint64_t number, bool too_long), for each full line.
  template <class F>
  void feed(std::string_view block, F&& on_line) {
    while (!block.empty()) {
      const std::size_t nl = block.find('\n');
      const std::string_view part = block.substr(0, nl);
      if (nl == std::string_view::npos) return keep(part);
      block.remove_prefix(nl + 1);
      ++number_;
      if (carry_.empty() && !too_long_) {
        on_line(part.size() > max_line_ ? part.substr(0, 0) : part, number_,
                part.size() > max_line_);
        continue;
      }
      keep(part);
      on_line(std::string_view(carry_), number_, too_long_);
      carry_.clear(), too_long_ = false;
    }
  }
  // The last line, when the stream does not end with a newline (a write cut short).
  template <class F>
  void finish(F&& on_line) {
    if (carry_.empty() && !too_long_) return;
    on_line(std::string_view(carry_), ++number_, too_long_);
    carry_.clear(), too_long_ = false;
  }
  std::uint64_t lines() const { return number_; }

 private:
  void keep(std::string_view part) {
    if (too_long_ || carry_.size() + part.size() > max_line_) {
      too_long_ = true;
      carry_.clear();
      return;
    }
    carry_.append(part);
  }

  std::size_t max_line_;
  std::string carry_;
  bool too_long_ = false;
  std::uint64_t number_ = 0;
};

}  // namespace gracepack::report
