#!/usr/bin/env bash
# Installs, as root, the Debian packages gracepack's build, tests and demo need. Idempotent: asks
# apt only for what is missing.
set -euo pipefail
PACKAGES=(
  cmake g++ make pkg-config
  libgtest-dev libgmock-dev libbenchmark-dev libcap-dev clang libclang-rt-14-dev
  libslurm-dev munge slurmctld slurmd slurm-client
  passwd util-linux procps bc man-db
)
[ "$(id -u)" = 0 ] || { echo "deps.sh: run as root (apt-get install)" >&2; exit 1; }
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
