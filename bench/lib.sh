# What every benchmark script starts with (sourced): the repository as the working directory,
# the package built and installed unless BENCH_PREBUILT=1 (a VM, tests/vm/bench.sh, has it), and
# the benchmarks' own cluster (cluster.sh, in /tmp/gracepack-bench, ports 6837/6838).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
if [ "${BENCH_PREBUILT:-0}" != 1 ]; then
  scripts/deps.sh
  scripts/build.sh
fi
export GP_CLUSTER_DIR=${GP_CLUSTER_DIR:-/tmp/gracepack-bench}
export GP_CTLD_PORT=${GP_CTLD_PORT:-6837} GP_SLURMD_PORT=${GP_SLURMD_PORT:-6838}
CLUSTER=$ROOT/tests/cluster/cluster.sh
as_user() { runuser -u "$GP_TEST_USER" -- "$@"; }
wait_for() { # wait_for SECONDS CMD...: poll CMD, fail after SECONDS
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || { echo "bench: waited for: $*" >&2; exit 1; }
    sleep 0.1
  done
}
