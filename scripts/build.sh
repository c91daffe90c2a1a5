#!/usr/bin/env bash
# Configures, builds and installs gracepack (plugin into Slurm's PluginDir, drop-in into
# /etc/slurm/plugstack.conf.d). Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GP_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cmake --install "$BUILD_DIR" >/dev/null
