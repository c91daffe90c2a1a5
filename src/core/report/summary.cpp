#include "gracepack/core/report/summary.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "gracepack/core/base/text.hpp"
#include "gracepack/core/report/run.hpp"

namespace gracepack::report {

void LatencyHistogram::add(std::int64_t seconds) {
  seconds = std::max<std::int64_t>(seconds, 0);
  const auto last = static_cast<std::int64_t>(kBuckets - 1);
  ++counts_[static_cast<std::size_t>(std::min(seconds, last))];
  ++count_;
  sum_ += static_cast<std::uint64_t>(seconds);
  max_ = std::max(max_, seconds);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
}

std::optional<std::int64_t> LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return std::nullopt;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i + 1 < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return static_cast<std::int64_t>(i);
  }
  return max_;
}

// Every decision record that carries the fields counts, whatever its cause: the epilog writes
// them for each run that had a grace start (a run cancelled inside its window too).
void Counters::add_lost(const AuditLine& r) {
  const auto sum = [](std::uint64_t& total, const std::optional<std::int64_t>& v) {
    if (v) total += static_cast<std::uint64_t>(*v);  // the reader keeps them >= 0
  };
  acknowledged += report::acknowledged(r);
  if (r.lost == Lost::None)
    ++lost_none;
  else if (r.lost == Lost::SinceCheckpoint)
    ++lost_since_checkpoint;
  else if (r.lost == Lost::Unknown)
    ++lost_unknown;
  else if (r.preempt_time > 0)  // no `lost`, or a value this version does not know
    ++lost_not_recorded;
  sum(lost_seconds, r.lost_seconds);
  sum(lost_gpu_seconds, r.lost_gpu_seconds);
  sum(lost_cpu_seconds, r.lost_cpu_seconds);
  sum(lost_at_most_seconds, r.lost_at_most_seconds);
  grace_returned += r.grace_returned_seconds.value_or(0) > 0;
  sum(grace_returned_seconds, r.grace_returned_seconds);
}

void Counters::add(const AuditLine& r) {
  if (r.event == AuditEvent::Notice) {
    ++notices;
    if (auto l = notice_latency(r)) latency.add(*l);
    return;
  }
  if (!is_decision(r.event)) return;
  ++runs;
  requeues += r.event == AuditEvent::Requeue;
  caps += r.event == AuditEvent::Cap;
  refusals += r.event == AuditEvent::Refused;
  errors += r.event == AuditEvent::Error;
  add_lost(r);
  if (r.cause != Cause::Preemption) return;
  ++preemptions;
  if (auto before = run_before_preemption(r))
    preempted_run_seconds += static_cast<std::uint64_t>(*before);
  const WindowUse w = window_use(r);
  if (w.end == WindowEnd::ExitedInTime) {
    ++exited_in_time;
    if (w.window > 0)  // an older record may not tell the window's length
      ++window_used[static_cast<std::size_t>(std::min<std::int64_t>(9, w.used * 10 / w.window))];
  }
  killed_at_deadline += w.end == WindowEnd::KilledAtDeadline;
  end_unknown += w.end == WindowEnd::Unknown || w.end == WindowEnd::None;
}

void Counters::merge(const Counters& o) {
  runs += o.runs, preemptions += o.preemptions, notices += o.notices;
  latency.merge(o.latency);
  exited_in_time += o.exited_in_time, killed_at_deadline += o.killed_at_deadline;
  end_unknown += o.end_unknown;
  requeues += o.requeues, caps += o.caps, refusals += o.refusals, errors += o.errors;
  preempted_run_seconds += o.preempted_run_seconds;
  for (std::size_t i = 0; i < window_used.size(); ++i) window_used[i] += o.window_used[i];
  acknowledged += o.acknowledged;
  lost_none += o.lost_none, lost_since_checkpoint += o.lost_since_checkpoint;
  lost_unknown += o.lost_unknown, lost_not_recorded += o.lost_not_recorded;
  lost_seconds += o.lost_seconds, lost_gpu_seconds += o.lost_gpu_seconds;
  lost_cpu_seconds += o.lost_cpu_seconds, lost_at_most_seconds += o.lost_at_most_seconds;
  grace_returned += o.grace_returned, grace_returned_seconds += o.grace_returned_seconds;
}

bool SummaryFilter::matches(const AuditLine& r) const {
  if (since && r.time < *since) return false;
  if (until && r.time >= *until) return false;
  if (only_uid && r.uid != *only_uid) return false;
  if (!partition.empty() && r.partition != partition) return false;
  if (user.empty() || r.user == user) return true;
  const auto uid = text::parse_int(user, 0, 0xFFFFFFFF);
  return uid && *uid == r.uid;
}

void Summary::add(const AuditLine& r) {
  if (!filter_.matches(r)) return;
  ++counted_;
  // Only notices and decisions count: a pair with nothing else would be a row of zeros.
  if (r.event != AuditEvent::Notice && !is_decision(r.event)) return;
  key_.assign(r.partition).append(1, '\0').append(r.user);
  if (!last_ || key_ != last_key_) {
    last_key_ = key_;
    last_ = &groups_[key_];
  }
  last_->add(r);
}

std::vector<Summary::Group> Summary::groups() const {
  std::vector<Group> out;
  for (const auto& [key, counters] : groups_) {
    const auto nul = key.find('\0');
    out.push_back({key.substr(0, nul), key.substr(nul + 1), counters});
  }
  std::sort(out.begin(), out.end(), [](const Group& a, const Group& b) {
    return std::tie(a.partition, a.user) < std::tie(b.partition, b.user);
  });
  return out;
}

Counters Summary::total() const {
  Counters t;
  for (const auto& [key, counters] : groups_) t.merge(counters);
  return t;
}

}  // namespace gracepack::report
