// Checkpoint acknowledgements and the work a preemption destroyed (issue 19).
//
// A --preempt-requeue job's programs touch $GRACEPACK_CHECKPOINT_FILE (or write a short label into
// it) when a checkpoint is durable. The watcher, as the job's user, reads the file's time and
// label (os::read_ack_file): at grace start for the last acknowledgement before it, then through
// the grace window. Acknowledgements are the job's own declaration: gracepack checks that they
// are plausible (inside the run, not in the future), not that a checkpoint exists.
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/job.hpp"

namespace gracepack {

// What the watcher read from the acknowledgement file: a regular file's modification time and
// the label written into it.
struct AckFile {
  std::time_t mtime = 0;
  long mtime_ns = 0;  // the nanoseconds of mtime: an acknowledgement in the notice's second
  std::string label;
  // Group or others may write it: someone else could have touched it (it still counts for the
  // figures, which are the job's word anyway, but it does not end the run: return_grace).
  bool others_may_write = false;
};

// The label: the file's first line, its first kMaxAckLabel bytes, control bytes escaped (\xNN).
constexpr std::size_t kMaxAckLabel = 64;
std::string ack_label(std::string_view content);

// One look at the acknowledgement file. `time` is set when it counts as an acknowledgement of
// this run; `note` says why a file that is there does not count (the reading's own error, a time
// before the run started or in the future).
struct AckSeen {
  std::optional<std::time_t> time;
  long time_ns = 0;
  std::string label;
  bool others_may_write = false;
  std::string note;
};
// `read`: the reading (nullopt: no file, which is no acknowledgement and no note); acks older
// than `run_start` or later than `now` + 2 s (clock steps) count as none.
AckSeen judge_ack(const Result<std::optional<AckFile>>& read, std::time_t run_start,
                  std::time_t now);

// Whether an acknowledgement came inside the grace window: after slurmctld's grace start (whole
// seconds), or, in that same second, after the watcher began to deliver the notice (`notice_s`,
// `notice_ns`): the program heard it and saved.
bool inside_window(const AckSeen& seen, std::time_t grace_start, std::time_t notice_s,
                   long notice_ns);

// The work lost to this run's preemption.
enum class LostKind { None, SinceCheckpoint, Unknown };
const char* to_string(LostKind k);

struct LostWork {
  LostKind kind = LostKind::Unknown;
  std::optional<long long> seconds;  // None: 0; SinceCheckpoint: grace start - checkpoint
  std::optional<long long> at_most;  // Unknown: grace start - run start
  std::optional<long long> gpu_seconds, cpu_seconds;  // seconds x the allocation's GPUs, CPUs
  bool operator==(const LostWork&) const = default;
};
// `checkpoint`: the last acknowledgement at or before grace start; `in_window`: one after it.
// An acknowledgement inside the window saved the work (0 lost); the last one before it bounds
// what was lost; none at all: unknown, at most what the run had run when its grace began.
LostWork lost_work(std::time_t run_start, std::time_t grace_start,
                   std::optional<std::time_t> checkpoint, std::optional<std::time_t> in_window,
                   const Allocation& alloc);

// GPUs in a TRES string as slurmctld writes a job's allocation ("cpu=4,mem=8G,node=1,
// gres/gpu=2,gres/gpu:a100=2"): the total and "type:count" for typed ones ("a100:2").
struct GpuCount {
  unsigned total = 0;
  std::string types;
};
GpuCount gpus_in_tres(std::string_view tres);
// The same from one node's GRES detail ("gpu:a100:2(IDX:0-1),mps:0", "gpu:2(IDX:0-1)"), for a
// cluster whose AccountingStorageTRES does not count gres/gpu (its TRES string then has none).
GpuCount gpus_in_gres_detail(std::string_view detail);
// Adds b's counts to a's (several nodes).
void add_gpus(GpuCount& a, const GpuCount& b);

}  // namespace gracepack
