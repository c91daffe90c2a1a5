// gracepack-ctl: the one program of gracepack's that talks to slurmctld through libslurm.
//
//   gracepack-ctl job JOBID       prints slurmctld's record of exactly that job (KEY=VALUE)
//   gracepack-ctl job-alloc JOBID the same with the run's allocation (nodes, CPUs, GPUs)
//   gracepack-ctl job-full JOBID  the same with the job's QOS, account and preemption count
//   gracepack-ctl requeue ID      requeues ID ("123", or "100_7" for an array task)
//   gracepack-ctl mark JOBID N [QOS]
//                                 records N preemptions in the job's AdminComment and, with QOS,
//                                 moves the (pending) job into that QOS: one update; a QOS the
//                                 job's association may not use is refused first
//   gracepack-ctl qos-check JOBID QOS
//                                 whether the job's association may use QOS
//
// Exit codes (slurm/ctl_client.hpp): 0 done, 1 refused, 2 slurmctld did not answer, 3 usage.
// Failures print one line "error=MESSAGE" on stdout. Run by the job epilog (root) and by the
// watcher (the job's user); slurmctld's own rules decide what each may read or requeue.
#include <cstdio>
#include <string>

#include "gracepack/core/base/text.hpp"
#include "gracepack/slurm/api.hpp"
#include "gracepack/slurm/ctl_client.hpp"

namespace {

int report(const gracepack::Error& e) {
  std::printf("error=%s\n", e.message.c_str());
  return e.transient ? gracepack::slurm::kCtlUnreachable : gracepack::slurm::kCtlRefused;
}

bool valid_id(const std::string& id) {
  const auto parts = gracepack::text::split(id, '_');
  if (parts.size() > 2) return false;
  for (auto p : parts) {
    if (!gracepack::text::parse_int(p, 0, UINT32_MAX)) return false;
  }
  return true;
}

}  // namespace

int mark(const std::string& id, const char* count, const char* qos) {
  using namespace gracepack;
  const auto job = text::parse_int(id, 1, UINT32_MAX);
  const auto n = text::parse_int(count, 0, 65535);
  if (!job || !n) {
    std::printf("error=usage: gracepack-ctl mark JOBID N [QOS]\n");
    return slurm::kCtlUsage;
  }
  slurm::init_library();
  auto st =
      slurm::mark(static_cast<std::uint32_t>(*job), static_cast<unsigned>(*n), qos ? qos : "");
  if (!st) return report(st.error());
  return slurm::kCtlOk;
}

int main(int argc, char** argv) {
  using namespace gracepack;
  if (argc >= 4 && argc <= 5 && std::string(argv[1]) == "mark")
    return mark(argv[2], argv[3], argc == 5 ? argv[4] : nullptr);
  if (argc == 4 && std::string(argv[1]) == "qos-check") {
    const auto job = text::parse_int(argv[2], 1, UINT32_MAX);
    if (!job) {
      std::printf("error=usage: gracepack-ctl qos-check JOBID QOS\n");
      return slurm::kCtlUsage;
    }
    slurm::init_library();
    auto st = slurm::check_qos(static_cast<std::uint32_t>(*job), argv[3]);
    if (!st) return report(st.error());
    return slurm::kCtlOk;
  }
  const std::string cmd = argc == 3 ? argv[1] : "";
  const std::string id = argc == 3 ? argv[2] : "";
  const bool load = cmd == "job" || cmd == "job-alloc" || cmd == "job-full";
  if ((!load && cmd != "requeue") || !valid_id(id) || (load && id.find('_') != std::string::npos)) {
    std::printf(
        "error=usage: gracepack-ctl job|job-alloc|job-full JOBID | gracepack-ctl requeue "
        "JOBID[_TASK] | gracepack-ctl mark JOBID N [QOS] | gracepack-ctl qos-check JOBID QOS\n");
    return slurm::kCtlUsage;
  }
  if (load) {
    const auto n = text::parse_int(id, 1, UINT32_MAX);
    if (!n) {
      std::printf("error=usage: a job id is a number from 1\n");
      return slurm::kCtlUsage;
    }
    slurm::init_library();
    auto r = slurm::load_job(static_cast<std::uint32_t>(*n));
    if (!r) return report(r.error());
    // `job` prints what every release's reader knows (a watcher of an earlier release parses
    // it); `job-alloc` adds the run's allocation, for this release's epilog.
    if (cmd == "job") r->alloc = Allocation{};
    // `job-full` (this release's epilog and watcher) adds the requeue budgets' fields.
    if (cmd != "job-full") r->qos.clear(), r->account.clear(), r->preemptions = 0;
    std::fputs(format_job_record(*r).c_str(), stdout);
    return slurm::kCtlOk;
  }
  slurm::init_library();
  auto st = slurm::requeue(id);
  if (!st) return report(st.error());
  return slurm::kCtlOk;
}
