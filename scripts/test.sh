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
ctest --preset sanitize
scripts/build.sh
ctest --test-dir "${GP_BUILD_DIR:-build}" --output-on-failure "$@"
