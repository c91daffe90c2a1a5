#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, installs the plugin, then CTest runs the
# unit tests and the end-to-end tests on a real Slurm (started and stopped by CTest's fixture).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
ctest --test-dir "${GP_BUILD_DIR:-build}" --output-on-failure "$@"
