#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#  1. the unit tests and the libFuzzer targets, built with clang, AddressSanitizer and UBSan
#     (CMake preset "sanitize", build-sanitize/), each fuzz target for a bounded time;
#  2. the plugin built, packaged and installed (scripts/build.sh), then CTest runs the unit tests
#     and the end-to-end tests on a real Slurm started and stopped by CTest's cluster fixture.
# Extra arguments go to the last ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j"$(nproc)" >/dev/null
# A unit target the preset did not build shows up as an unlabelled "<target>_NOT_BUILT" test,
# which the label filter would drop without a word: that is a failure.
not_built() { ctest --test-dir "$1" -N 2>/dev/null | sed -n 's/.*Test *#[0-9]*: \(.*_NOT_BUILT\)$/\1/p'; }
missing=$(not_built build-sanitize)
[ -z "$missing" ] || { echo "test.sh: not built under the sanitizers: $missing" >&2; exit 1; }
ctest --preset sanitize
scripts/build.sh
missing=$(not_built "${GP_BUILD_DIR:-build}")
[ -z "$missing" ] || { echo "test.sh: not built: $missing" >&2; exit 1; }
ctest --test-dir "${GP_BUILD_DIR:-build}" --output-on-failure "$@"
