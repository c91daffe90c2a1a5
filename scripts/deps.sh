#!/usr/bin/env bash
# Installs, as root, the Debian packages gracepack's build, tests and demo need. Idempotent: asks
# apt only for what is missing.
set -euo pipefail
PACKAGES=(
  cmake g++ make pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev libcap-dev clang libclang-rt-14-dev
  libslurm-dev munge slurmctld slurmd slurm-client
  passwd util-linux procps bc man-db
  # e2e.preempt_container runs its program in containers: bubblewrap, and rootless podman (runc:
  # crun refuses cgroup v1's hybrid layout; uidmap for the user's namespaces).
  bubblewrap podman runc uidmap
  # e2e.report checks gracepack-report's output with real readers: an OpenMetrics parser,
  # promtool (from Debian's prometheus), rsvg-convert.
  python3 python3-prometheus-client librsvg2-bin
  # e2e.user_guide runs the user guide's PyTorch checkpoint recipe (issue 19).
  python3-torch
)
# Packages whose daemon nothing here wants running (only promtool is used from prometheus;
# `cluster.sh start --qos` runs a private MariaDB and slurmdbd of its own, never the system's):
# installed apart, with a policy-rc.d that keeps invoke-rc.d and deb-systemd-invoke from starting
# their services, unless the machine has its own policy.
NO_START=(prometheus mariadb-server slurmdbd)
[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root (apt-get install)" >&2; exit 1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=() quiet=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${NO_START[@]}"; do installed "$p" || quiet+=("$p"); done
if [ $((${#missing[@]} + ${#quiet[@]})) -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]} ${quiet[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#missing[@]} = 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#quiet[@]} -gt 0 ]; then
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    trap 'rm -f "$policy"' EXIT
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
  fi
  apt-get install -y -qq --no-install-recommends "${quiet[@]}" >/dev/null
fi
