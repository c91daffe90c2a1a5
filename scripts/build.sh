#!/usr/bin/env bash
# Configures and builds gracepack, makes its Debian package and installs it: the plugin into
# Slurm's plugin directory, the drop-in into /etc/slurm/plugstack.conf.d, the watcher, the
# layout tool, the man page and the docs. The end-to-end tests run against these installed files.
# Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${GP_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
(cd "$BUILD_DIR" && rm -f gracepack_*.deb && cpack -G DEB >/dev/null)
# --force-confnew: the drop-in is a conffile; a non-interactive install must not stop to ask.
dpkg -i --force-confnew "$BUILD_DIR"/gracepack_*.deb >/dev/null
echo "installed $(basename "$BUILD_DIR"/gracepack_*.deb)"
