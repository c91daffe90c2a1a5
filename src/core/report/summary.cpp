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
  requeues_preemption += r.event == AuditEvent::Requeue && r.cause == Cause::Preemption;
  requeues_other += r.event == AuditEvent::Requeue && r.cause != Cause::Preemption;
  qos_moves += !r.requeue_qos.empty();
  qos_refusals += !r.qos_note.empty();
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
  requeues_preemption += o.requeues_preemption, requeues_other += o.requeues_other;
  qos_moves += o.qos_moves, qos_refusals += o.qos_refusals;
  jobs_over_threshold += o.jobs_over_threshold;
  max_job_preemptions = std::max(max_job_preemptions, o.max_job_preemptions);
}

std::size_t JobPreemptions::home(std::uint32_t job) const {
  // Fibonacci hashing: job ids come in runs of consecutive numbers.
  const std::uint64_t h = std::uint64_t{job} * 0x9E3779B97F4A7C15ULL;
  return static_cast<std::size_t>(h >> 32) & (slots_.size() - 1);
}

JobPreemptions::Entry* JobPreemptions::find(std::uint32_t job) {
  if (slots_.empty()) return nullptr;
  for (std::size_t i = home(job);; i = (i + 1) & (slots_.size() - 1)) {
    if (!slots_[i].group) return nullptr;
    if (slots_[i].job == job) return &slots_[i];
  }
}

JobPreemptions::Entry& JobPreemptions::insert(std::uint32_t job) {
  if (Entry* e = find(job)) return *e;
  if ((used_ + 1) * 4 > slots_.size() * 3) grow();
  std::size_t i = home(job);
  while (slots_[i].group) i = (i + 1) & (slots_.size() - 1);
  ++used_;
  slots_[i] = Entry{};
  slots_[i].job = job;
  return slots_[i];
}

void JobPreemptions::grow() {
  std::vector<Entry> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, Entry{});
  for (const Entry& e : old) {
    if (!e.group) continue;
    std::size_t i = home(e.job);
    while (slots_[i].group) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = e;
  }
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
  if (!has_last_ || key_ != last_key_) {
    last_key_ = key_;
    const auto [it, added] = index_.try_emplace(key_, static_cast<std::uint32_t>(groups_.size()));
    if (added) groups_.emplace_back(key_, Counters{});
    last_ = it->second;
    has_last_ = true;
  }
  groups_[last_].second.add(r);
  add_job(r);
}

// Only the records that tell of a preemption, a preempted run's or a count above 0, touch the
// table: the others (most of a log) cost no lookup. The job counts in the group of the last.
void Summary::add_job(const AuditLine& r) {
  const bool preempted_run = is_decision(r.event) && r.cause == Cause::Preemption;
  const auto preemptions = preemptions_of(r);
  if (!preempted_run && preemptions.value_or(0) == 0) return;
  JobPreemptions::Entry* e = &jobs_.insert(r.job_id);
  e->group = last_ + 1;
  if (preemptions) {
    const auto field = static_cast<std::uint32_t>(std::min<std::int64_t>(*preemptions, 0xFFFFFFFE));
    e->field = std::max(e->field, field + 1);
  }
  if (preempted_run && e->runs < 0xFFFFFFFF) ++e->runs;
}

std::vector<Summary::Group> Summary::groups() const {
  std::vector<Group> out;
  for (const auto& [key, counters] : groups_) {
    const auto nul = key.find('\0');
    out.push_back({key.substr(0, nul), key.substr(nul + 1), counters});
  }
  for (const JobPreemptions::Entry& e : jobs_.slots()) {
    if (!e.group) continue;
    Counters& c = out[e.group - 1].counters;
    c.jobs_over_threshold += e.count() > alert_;
    c.max_job_preemptions = std::max<std::uint64_t>(c.max_job_preemptions, e.count());
  }
  std::sort(out.begin(), out.end(), [](const Group& a, const Group& b) {
    return std::tie(a.partition, a.user) < std::tie(b.partition, b.user);
  });
  return out;
}

Counters Summary::total() const {
  Counters t;
  for (const Group& g : groups()) t.merge(g.counters);
  return t;
}

}  // namespace gracepack::report
