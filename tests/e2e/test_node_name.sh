#!/usr/bin/env bash
# Issue 9 item 10, issue 16 item 11 (and issue 21 item 4): the node's name is slurmstepd's own,
# whatever the job's environment says: state_dir=/run/gracepack-%n puts the run's directory under
# this node's name when the user exports HOSTNAME and the SLURM_*NODELIST / SLURMD_NODENAME
# variables naming another node, in the batch step and in an srun step of the job (whose node
# lists srun writes: the user's to set).
PREEMPT_KEYS="state_dir=/run/gracepack-%n" source "$(dirname "$0")/preempt_lib.sh"
rm -rf /run/gracepack-evil
spoof=HOSTNAME=evil,SLURM_STEP_NODELIST=evil,SLURM_JOB_NODELIST=evil,SLURMD_NODENAME=evil
id=$(as_user sbatch --parsable --requeue --preempt-requeue -o node.txt --export=ALL,$spoof \
  --wrap 'echo "dir: $(dirname "$GRACEPACK_NOTICE_FILE")"; srun -n1 --export=ALL,'"$spoof"' bash -c '"'"'echo "step dir: $(dirname "$GRACEPACK_NOTICE_FILE")"'"'")
wait_ended "$id" 60 1
cat node.txt
grep -q "^dir: /run/gracepack-$GP_NODE/$id$" node.txt || die "the batch step's directory is not under this node's name: $(cat node.txt)"
grep -q "^step dir: /run/gracepack-$GP_NODE/$id$" node.txt || die "the srun step's directory is not under this node's name: $(cat node.txt)"
[ -e /run/gracepack-evil ] && die "root made a directory under the name the user chose"
pass "the batch and srun steps name their directory after slurmstepd's node, not the job's environment"
