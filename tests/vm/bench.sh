#!/usr/bin/env bash
# Run inside the VM (tests/vm/vm.sh run RELEASE tests/vm/bench.sh): installs the .deb built for
# this release and runs bench/grace_event.sh against it; the table goes to
# $GP_BUILD_DIR/bench-grace.txt. Under emulation the grace window is 30 s (as in tests/vm/e2e.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${GP_BUILD_DIR:?}
dpkg -i --force-confnew "$build"/gracepack_*.deb >/dev/null
export GP_GRACE_TIME=${GP_GRACE_TIME:-30} BENCH_PREBUILT=1 BENCH_RUNS=${BENCH_RUNS:-3}
bench/grace_event.sh 2>&1 | tee "$build/bench-grace.txt"
# Launch times with and without the plugin (from 25.05 every job's extern step holds gracepack's
# placeholder), and the placeholder's memory.
BENCH_SECTIONS="launch" BENCH_RUNS=${BENCH_LAUNCH_RUNS:-10} bench/run.sh 2>&1 | tee "$build/bench-launch.txt"
