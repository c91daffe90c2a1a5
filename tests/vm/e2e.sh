#!/usr/bin/env bash
# Run inside the VM by scripts/test-matrix.sh: installs the .deb built for this release and runs
# the end-to-end suite from that build directory (the repository is shared with the host at the
# same path). Writes a one-line summary to $GP_BUILD_DIR/e2e-summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${GP_BUILD_DIR:?}
echo "== $(slurmd -V), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup), kernel $(uname -r), $(nproc) CPUs"
dpkg -i --force-confnew "$build"/gracepack_*.deb >/dev/null
# Software emulation runs several times slower than the host: every wait's bound x3, and a grace
# window of 30 s instead of 15 (the notice, the checkpoint and the requeue must fit in it).
export GP_TIME_SCALE=${GP_TIME_SCALE:-3} GP_GRACE_TIME=${GP_GRACE_TIME:-30}
# The load test's 16 jobs on one emulated CPU starve it (on Slurm 25.05+ each job's watcher also
# runs gracepack-ctl every poll_interval, ~10 ms on the host, ~50x that emulated): 8 jobs here.
export GP_LOAD_JOBS=${GP_LOAD_JOBS:-8} GP_EMULATED=1
echo "== GP_TIME_SCALE=$GP_TIME_SCALE GP_GRACE_TIME=$GP_GRACE_TIME GP_LOAD_JOBS=$GP_LOAD_JOBS (emulated VM)"
args=(-L e2e --output-on-failure --test-dir "$build")
[ -n "${GP_MATRIX_TESTS:-}" ] && args+=(-R "e2e\\.cluster\\.|${GP_MATRIX_TESTS}")
[ -n "${GP_MATRIX_EXCLUDE:-}" ] && args+=(-E "$GP_MATRIX_EXCLUDE")
# GP_MATRIX_REPEAT=N: each test up to N times, until it fails (a hunt for a rare failure).
[ -n "${GP_MATRIX_REPEAT:-}" ] && args+=(--repeat "until-fail:$GP_MATRIX_REPEAT")
set +e
ctest "${args[@]}" 2>&1 | tee "$build/e2e.log"
rc=${PIPESTATUS[0]}
set -e
# The guest's files are gone when the VM stops: keep the cluster's logs and the audit files.
rm -rf "$build/vm-logs" && mkdir -p "$build/vm-logs"
cp -r /tmp/gracepack-cluster/log /tmp/gracepack-cluster/audit.d "$build/vm-logs/" 2>/dev/null || true
{
  echo "$(slurmd -V) on $(stat -fc %T /sys/fs/cgroup):"
  grep -E '^ *[0-9]+/[0-9]+ Test' "$build/e2e.log" | sed 's/^ *//'
  grep -E '^(skip|SKIP):' "$build/e2e.log" || true
  # Parts a passing test left out say "note:"; CTest shows a passing test's output only here.
  grep -hE '^note:' "$build/Testing/Temporary/LastTest"*.log 2>/dev/null | sort | uniq -c || true
  grep -E 'tests passed|tests failed' "$build/e2e.log" | tail -n 1
} > "$build/e2e-summary.txt"
exit "$rc"
