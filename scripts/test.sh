#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#  1. the unit tests and the libFuzzer targets, built with clang, AddressSanitizer and UBSan
#     (CMake preset "sanitize", build-sanitize/), each fuzz target for a bounded time, two at once;
#  2. the plugin built, packaged and installed (scripts/build.sh), then CTest runs the unit tests
#     and the end-to-end tests on real Slurm clusters that CTest's cluster fixture starts and stops:
#     GP_E2E_JOBS (default 4) independent clusters on this machine, one test on each at a time
#     (tests/CMakeLists.txt); the tests that need the machine alone run alone.
# Each part prints how long it took. Extra arguments go to the last ctest.
#
#   scripts/test.sh --quick [CTEST ARGS]
#     the inner loop: builds only the unit tests of every layer in build/ (nothing installed, no
#     sanitizers, no Slurm) and runs them, all CPUs at once. Seconds after a one-line change.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GP_BUILD_DIR:-build}
JOBS=${GP_E2E_JOBS:-4}
step() { echo "test.sh: $1: $(($(date +%s) - $2)) s"; }

if [ "${1:-}" = --quick ]; then
  shift
  [ -f "$BUILD_DIR/CMakeCache.txt" ] || cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
  cmake --build "$BUILD_DIR" --target unit_tests -j"$(nproc)" >"$BUILD_DIR/quick-build.log" 2>&1 \
    || { cat "$BUILD_DIR/quick-build.log" >&2; exit 1; }
  exec ctest --test-dir "$BUILD_DIR" -L unit -j"$(nproc)" --output-on-failure "$@"
fi

t=$(date +%s)
scripts/deps.sh
step "Debian packages" "$t"

t=$(date +%s)
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j"$(nproc)" >/dev/null
step "sanitizer build" "$t"
# A unit target the preset did not build shows up as an unlabelled "<target>_NOT_BUILT" test,
# which the label filter would drop without a word: that is a failure.
not_built() { ctest --test-dir "$1" -N 2>/dev/null | sed -n 's/.*Test *#[0-9]*: \(.*_NOT_BUILT\)$/\1/p'; }
missing=$(not_built build-sanitize)
[ -z "$missing" ] || { echo "test.sh: not built under the sanitizers: $missing" >&2; exit 1; }
t=$(date +%s)
ctest --preset sanitize -j"$(nproc)"
step "sanitizer unit and fuzz tests" "$t"

t=$(date +%s)
scripts/build.sh -DGRACEPACK_E2E_CLUSTERS="$JOBS"
step "build, package, install" "$t"
missing=$(not_built "$BUILD_DIR")
[ -z "$missing" ] || { echo "test.sh: not built: $missing" >&2; exit 1; }
t=$(date +%s)
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$JOBS" \
  --resource-spec-file "$(cd "$BUILD_DIR" && pwd)/e2e-clusters.json" "$@"
step "unit and end-to-end tests" "$t"
