#!/usr/bin/env bash
# Builds gracepack's RPM for RHEL-family sites with CPack's RPM generator (Debian's `rpm` package
# provides rpmbuild), in build-rpm/, with the paths of Slurm's RPMs (plugins in /usr/lib64/slurm,
# the drop-in in /etc/slurm/plugstack.conf.d), then lists its files and requirements.
# This proves the packaging; a site rebuilds it on its own RHEL against its own Slurm, where the
# binaries match its glibc and Slurm release (docs/admin.md, "RPM").
#   scripts/package-rpm.sh [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rpmbuild >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rpm >/dev/null
}
BUILD=${GP_RPM_BUILD_DIR:-build-rpm}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_INSTALL_LIBDIR=lib64 -DGRACEPACK_SLURM_PLUGIN_DIR=/usr/lib64/slurm -DBUILD_TESTING=OFF \
  "$@" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
(cd "$BUILD" && rm -f gracepack-*.rpm && cpack -G RPM >/dev/null)
rpm=$(ls "$BUILD"/gracepack-*.rpm)
echo "== $rpm"
rpm -qpi "$rpm" | sed -n '1,/^Description/p'
echo "== requires"; rpm -qp --requires "$rpm"
echo "== files"; rpm -qpl "$rpm"
