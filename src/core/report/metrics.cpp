// The summary's counters for Prometheus, in OpenMetrics 1.0 or in the Prometheus text format
// 0.0.4 that node_exporter's textfile collector parses. The two differ only in how a counter is
// declared: OpenMetrics names the family without _total (its samples carry it), the older
// format names the samples themselves; each format's parser refuses the other's declaration.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gracepack/core/report/summary.hpp"

namespace gracepack::report {
namespace {

struct Family {
  const char* name;
  const char* type;  // counter, gauge or summary
  const char* unit;  // OpenMetrics # UNIT: the name's last word, or ""
  const char* help;
  std::uint64_t Counters::*value;
};

const std::vector<Family>& families() {
  static const std::vector<Family> kFamilies{
      {"gracepack_runs", "counter", "",
       "Runs of --preempt-requeue jobs the epilog decided on (one decision record each).",
       &Counters::runs},
      {"gracepack_preemptions", "counter", "", "Runs that ended by preemption.",
       &Counters::preemptions},
      {"gracepack_notices", "counter", "", "Preemption notices delivered to the job's processes.",
       &Counters::notices},
      {"gracepack_exited_before_deadline", "counter", "",
       "Preempted runs whose batch script ended before the grace deadline.",
       &Counters::exited_in_time},
      {"gracepack_killed_at_deadline", "counter", "",
       "Preempted runs still running at the grace deadline, killed by Slurm.",
       &Counters::killed_at_deadline},
      {"gracepack_requeues", "counter", "", "Runs requeued by gracepack.", &Counters::requeues},
      {"gracepack_requeue_caps", "counter", "",
       "Runs not requeued because the job reached its requeue cap.", &Counters::caps},
      {"gracepack_requeue_refusals", "counter", "",
       "Preempted runs not requeued because the job does not allow requeues.", &Counters::refusals},
      {"gracepack_errors", "counter", "",
       "Runs whose decision failed (slurmctld unreachable, requeue refused by Slurm).",
       &Counters::errors},
      {"gracepack_preempted_run_seconds", "counter", "seconds",
       "How long preempted runs had run when their grace period began (wall seconds).",
       &Counters::preempted_run_seconds},
      {"gracepack_lost_gpu_seconds", "counter", "seconds",
       "GPU-seconds of work lost to grace starts: each run's GPUs times the seconds from its last "
       "acknowledged checkpoint to its grace start (0 if it acknowledged one inside its window).",
       &Counters::lost_gpu_seconds},
      {"gracepack_lost_cpu_seconds", "counter", "seconds",
       "CPU-seconds of work lost to grace starts: each run's CPUs times the seconds from its last "
       "acknowledged checkpoint to its grace start (0 if it acknowledged one inside its window).",
       &Counters::lost_cpu_seconds},
      {"gracepack_acknowledged_runs", "counter", "",
       "Runs with a grace start that acknowledged a checkpoint, before it or inside the window.",
       &Counters::acknowledged},
      {"gracepack_lost_unknown_runs", "counter", "",
       "Runs with a grace start that never acknowledged a checkpoint: the work lost is unknown.",
       &Counters::lost_unknown},
      {"gracepack_grace_returned_seconds", "counter", "seconds",
       "Seconds of grace window handed back: runs ended at their acknowledgement inside the "
       "window.",
       &Counters::grace_returned_seconds},
      {"gracepack_protected_qos_moves", "counter", "",
       "Runs whose job gracepack moved into the protected QOS (protect_qos) as it came back.",
       &Counters::qos_moves},
      {"gracepack_protected_qos_refusals", "counter", "",
       "Runs whose move into the protected QOS was refused: the job came back in its own "
       "QOS.",
       &Counters::qos_refusals},
  };
  return kFamilies;
}

std::string label_value(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

std::string labels(const Summary::Group& g, const std::string& extra = "") {
  return "{partition=\"" + label_value(g.partition) + "\",user=\"" + label_value(g.user) + "\"" +
         extra + "}";
}

// # HELP, # TYPE (and # UNIT in OpenMetrics) for a family whose samples are named `sample`.
std::string declare(const std::string& name, const char* type, const char* unit, const char* help,
                    MetricsFormat f) {
  const bool om = f == MetricsFormat::OpenMetrics;
  const std::string declared = !om && std::string(type) == "counter" ? name + "_total" : name;
  std::string out = "# HELP " + declared + " " + help + "\n# TYPE " + declared + " " + type + "\n";
  if (om && *unit) out += "# UNIT " + declared + " " + unit + "\n";
  return out;
}

std::string latency(const std::vector<Summary::Group>& groups, MetricsFormat f) {
  const std::string name = "gracepack_notice_latency_seconds";
  std::string out = declare(name, "summary", "seconds",
                            "Seconds from grace start (slurmctld's clock) to the notice reaching "
                            "the job's processes (the node's clock).",
                            f);
  for (const auto& g : groups) {
    const LatencyHistogram& h = g.counters.latency;
    for (const auto& [q, text] : {std::pair{0.5, "0.5"}, std::pair{0.95, "0.95"}}) {
      if (auto v = h.quantile(q))
        out += name + labels(g, ",quantile=\"" + std::string(text) + "\"") + " " +
               std::to_string(*v) + "\n";
    }
    out += name + "_sum" + labels(g) + " " + std::to_string(h.sum()) + "\n";
    out += name + "_count" + labels(g) + " " + std::to_string(h.count()) + "\n";
  }
  return out;
}

// Requeues by cause: one sample per group and cause, whose sum is gracepack_requeues_total.
std::string requeues_by_cause(const std::vector<Summary::Group>& groups, MetricsFormat f) {
  const std::string name = "gracepack_requeues_by_cause";
  std::string out = declare(name, "counter", "",
                            "Runs requeued by gracepack, by cause: preemption, or other (time "
                            "limit); each cause has its own requeue budget.",
                            f);
  for (const auto& g : groups) {
    out += name + "_total" + labels(g, ",cause=\"preemption\"") + " " +
           std::to_string(g.counters.requeues_preemption) + "\n";
    out += name + "_total" + labels(g, ",cause=\"other\"") + " " +
           std::to_string(g.counters.requeues_other) + "\n";
  }
  return out;
}

// The gauges to alert on: jobs preempted more than the threshold (in a label, so that a rule can
// name it), and the most preemptions of one job.
std::string job_gauges(const std::vector<Summary::Group>& groups, std::uint32_t threshold,
                       MetricsFormat f) {
  const std::string over = "gracepack_jobs_preempted_over_threshold";
  const std::string t = ",threshold=\"" + std::to_string(threshold) + "\"";
  std::string out = declare(over, "gauge", "",
                            "Jobs preempted more than `threshold` times (gracepack-report "
                            "--alert-preemptions), counted in the group of their last record.",
                            f);
  for (const auto& g : groups)
    out += over + labels(g, t) + " " + std::to_string(g.counters.jobs_over_threshold) + "\n";
  const std::string most = "gracepack_job_preemptions_max";
  out += declare(most, "gauge", "", "The most preemptions of any one job of the group.", f);
  for (const auto& g : groups)
    out += most + labels(g) + " " + std::to_string(g.counters.max_job_preemptions) + "\n";
  return out;
}

}  // namespace

std::string format_metrics(const Summary& s, const ReadStats& read, MetricsFormat f) {
  const auto groups = s.groups();
  std::string out;
  for (const Family& fam : families()) {
    out += declare(fam.name, fam.type, fam.unit, fam.help, f);
    for (const auto& g : groups) {
      out += std::string(fam.name) + "_total" + labels(g) + " " +
             std::to_string(g.counters.*fam.value) + "\n";
    }
  }
  out += requeues_by_cause(groups, f);
  out += latency(groups, f);
  out += job_gauges(groups, s.alert_preemptions(), f);
  out += declare("gracepack_audit_skipped_lines", "gauge", "",
                 "Lines of the audit log that were not readable records in this pass.", f);
  out += "gracepack_audit_skipped_lines " + std::to_string(read.skipped) + "\n";
  if (f == MetricsFormat::OpenMetrics) out += "# EOF\n";
  return out;
}

}  // namespace gracepack::report
