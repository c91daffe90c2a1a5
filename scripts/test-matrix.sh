#!/usr/bin/env bash
# gracepack on the newer Slurm releases, on real cgroup-v2 nodes (QEMU, tests/vm/): Debian 13
# trixie (Slurm 24.11) and Debian unstable sid (Slurm 26.05). For each release:
#   1. its image, built once and cached (tests/vm/vm.sh image);
#   2. gracepack built against that release's libslurm-dev in a chroot of the image (native
#      speed), its unit tests run there, and its .deb made (build-RELEASE/);
#   3. the end-to-end suite in the VM, against a real slurmctld + slurmd + munged of that release,
#      with the .deb installed (tests/vm/e2e.sh).
# Idempotent; needs root; installs what the host lacks (mmdebstrap, qemu-system-x86, ...).
#
#   scripts/test-matrix.sh [RELEASE...]    default: trixie sid
#   GP_MATRIX_TESTS=REGEX                  only the e2e tests matching REGEX (ctest -R)
#   GP_MATRIX_EXCLUDE=REGEX                leave those out (ctest -E)
#   GP_MATRIX_REPEAT=N                     each test up to N times, until it fails
#   GP_MATRIX_E2E=0                        steps 1 and 2 only: build, unit tests, .deb (no VM)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
[ "$(id -u)" = 0 ] || { echo "test-matrix.sh: run as root" >&2; exit 1; }
[ $# -gt 0 ] || set -- trixie sid
rc=0
summary=()
for rel in "$@"; do
  t0=$SECONDS
  tests/vm/vm.sh image "$rel"
  t_image=$((SECONDS - t0))
  t1=$SECONDS
  # The chroot shares this machine's CPUs at full speed; only the tests need the VM. The VM
  # emulates one CPU: its tests run one at a time, on one cluster.
  tests/vm/vm.sh chroot "$rel" -- bash -c "
    set -euo pipefail
    cmake -S '$REPO' -B '$REPO/build-$rel' -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=ON -DGRACEPACK_E2E=ON \
      -DGRACEPACK_E2E_TIMEOUT=1200 -DGRACEPACK_E2E_CLUSTERS=1 >/dev/null
    cmake --build '$REPO/build-$rel' -j$(nproc)
    cd '$REPO/build-$rel' && rm -f gracepack_*.deb && cpack -G DEB >/dev/null
    ctest -L unit --output-on-failure | tail -n 3"
  t_build=$((SECONDS - t1))
  if [ "${GP_MATRIX_E2E:-1}" = 0 ]; then
    summary+=("$rel: image ${t_image} s, build + unit ${t_build} s, e2e not run (GP_MATRIX_E2E=0)")
    continue
  fi
  t2=$SECONDS
  set +e
  GP_BUILD_DIR=build-$rel GP_MATRIX_TESTS=${GP_MATRIX_TESTS:-} GP_MATRIX_EXCLUDE=${GP_MATRIX_EXCLUDE:-} \
    GP_MATRIX_REPEAT=${GP_MATRIX_REPEAT:-} \
    GP_VM_QUIET=${GP_VM_QUIET:-1} tests/vm/vm.sh run "$rel" tests/vm/e2e.sh
  r=$?
  set -e
  t_e2e=$((SECONDS - t2))
  [ "$r" = 0 ] || rc=1
  result=$(tail -n 1 "build-$rel/e2e-summary.txt" 2>/dev/null || echo "no summary")
  summary+=("$rel: image ${t_image} s, build + unit ${t_build} s, e2e ${t_e2e} s (exit $r): $result")
done
printf '%s\n' "${summary[@]}"
exit "$rc"
