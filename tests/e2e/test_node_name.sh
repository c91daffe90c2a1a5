#!/usr/bin/env bash
# Issue 9 item 10: the batch step's node name is slurmstepd's own, whatever the submitted
# environment says: state_dir=/run/gracepack-%n puts the job's directory under this node's name
# even when the user exports SLURM_STEP_NODELIST/SLURM_JOB_NODELIST naming another node.
PREEMPT_KEYS="state_dir=/run/gracepack-%n" source "$(dirname "$0")/preempt_lib.sh"
rm -rf /run/gracepack-evil
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o node.txt \
  --export=ALL,SLURM_STEP_NODELIST=evil,SLURM_JOB_NODELIST=evil,SLURMD_NODENAME=evil \
  --wrap 'echo "dir: $(dirname "$GRACEPACK_NOTICE_FILE")"')
wait_ended "$id" 60 1
cat node.txt
grep -q "^dir: /run/gracepack-localhost/$id$" node.txt || die "the job's directory is not under this node's name: $(cat node.txt)"
[ -e /run/gracepack-evil ] && die "root made a directory under the name the user chose"
pass "the batch step names its directory after slurmstepd's node, not the submitted environment"
