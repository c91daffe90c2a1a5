// The hook bodies, one file per context, called by the extern "C" symbols in plugin.cpp.
// Each returns a Status; plugin.cpp turns it into Slurm's return code.
#pragma once

#include <string>
#include <vector>

#include "gracepack/result.hpp"
#include "spank.hpp"

namespace gracepack::spank {

// init.cpp: every context.
Status init(const Spank& sp, const std::vector<std::string>& args);

// local.cpp: srun (local), sbatch and salloc (allocator).
Status local_init_post_opt(const Spank& sp);

// remote.cpp: slurmstepd.
Status remote_init_post_opt(const Spank& sp);
Status remote_user_init(const Spank& sp);
Status remote_task_post_fork(const Spank& sp);
Status remote_task_init(const Spank& sp);
Status remote_exit(const Spank& sp);

// pack.cpp: --pack-gpus inside slurmstepd.
Status pack_user_init(const Spank& sp);
Status pack_task_post_fork(const Spank& sp);
Status pack_task_init(const Spank& sp);
Status pack_exit(const Spank& sp);

// preempt.cpp: --preempt-requeue.
Status preempt_local_check(const Spank& sp);
Status preempt_remote_setup(const Spank& sp);
Status preempt_task_init(const Spank& sp);
Status preempt_job_epilog(const Spank& sp, spank_option* option);

// init.cpp: the registered option, for spank_option_getopt in the job epilog.
spank_option* preempt_option();

// job_script.cpp: the SPANK job epilog (a fresh process per job, root).
Status job_epilog(const Spank& sp, const std::vector<std::string>& args);

// Whether a failing hook may return an error to Slurm here. In slurmstepd and slurmd an error
// from anything but task_init drains the node (batch steps, prolog/epilog), so failures there are
// logged and remembered, and reach the user through task_init.
bool may_fail(Context context, const char* hook);

}  // namespace gracepack::spank
