// The libslurm calls gracepack makes, and the only place that knows how they differ between
// Slurm releases (22.05 to 26.05; see docs/compatibility.md for every guard). Compiled into
// gracepack-ctl, which links libslurm, and (cluster_facts only) into the plugin,
// where the calls resolve against the Slurm program that loaded it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "gracepack/core/base/result.hpp"
#include "gracepack/core/preempt/job.hpp"
#include "gracepack/core/preempt/submission.hpp"

namespace gracepack::slurm {

// slurm_init() where the release wants it before any RPC (every release gracepack supports has
// it; 24.11 and later fail without it). Once per process.
void init_library();

// slurmctld's record of exactly `job_id`: loading the id an array task shares with its array
// returns every task, so only the entry with this id is taken. A transient error means slurmctld
// did not answer.
Result<JobRecord> load_job(std::uint32_t job_id);

// Requeues `id` ("123" or "100_7"), judged by that id's own entry in slurmctld's answer.
Status requeue(const std::string& id);

// Sets gracepack's preemption count in the job's AdminComment (the rest kept) and, with `qos` not
// empty, the job's QOS, in one update. Root (or a Slurm operator) only.
Status mark(std::uint32_t job_id, unsigned preemptions, const std::string& qos);

// Whether the job's association may use QOS `qos` (slurmctld's association manager; a job
// moved by root is not checked by slurmctld itself). An error says why not.
Status check_qos(std::uint32_t job_id, const std::string& qos);

// What slurmctld's configuration says that matters at submission: JobRequeue (the default of
// --requeue), PrologFlags=Contain, send_user_signal.
Result<ClusterFacts> cluster_facts();

// Whether Slurm runs a placeholder process in the extern step (up to 24.11), whose death at grace
// start the watchers wait on; from 25.05 gracepack starts its own there.
bool extern_step_runs_placeholder();
// From inside the extern slurmstepd (root): has it adopt `pid` as pam_slurm_adopt does, through
// its socket `dir`/`node`_`job`.4294967292.
Status add_extern_pid(const std::string& dir, const std::string& node, std::uint32_t job,
                      pid_t pid);

// Whether the release gracepack was built against drops the SPANK option variables before the
// batch step under sbatch --export=NONE (before 23.02.5): a compile-time fact, kept with the
// other guards.
bool export_none_drops_options();

}  // namespace gracepack::slurm
