#!/usr/bin/env bash
# gracepack's end-to-end tests on a real cgroup-v2 node with a newer Slurm, inside QEMU.
#
#   vm.sh image RELEASE                 build (when missing or out of date) the release's root file
#                                       system, ext4 image, kernel and initrd in the cache
#   vm.sh chroot RELEASE -- CMD...      run CMD as root in a chroot of that root file system, the
#                                       repository bind-mounted read-write at its host path
#   vm.sh run RELEASE SCRIPT [ARGS...]  boot the VM, run `bash SCRIPT ARGS` as root in the repository
#                                       (shared with the host over 9p, read-write), exit with its status
#   vm.sh smoke RELEASE                 a real Slurm in the VM: cgroup paths of a task, an sbatch job,
#                                       memory.max of a task's cgroup, the extern step's processes
#   vm.sh releases                      print the known releases
#
# RELEASE: trixie (Debian 13, Slurm 24.11) or sid (Debian unstable, Slurm 26.05).
# Environment: GP_VM_CACHE (default /var/cache/gracepack-vm), GP_VM_TIMEOUT (run: seconds, default
# 3600; 124 on timeout), GP_VM_QUIET=1 (run: do not stream the console), GP_VM_MIRROR (default: the
# host's Debian mirror), GP_VM_9P_CACHE (the repository share's 9p cache mode, default mmap),
# GP_VM_APPEND (more kernel arguments, e.g. loglevel=7 to see the boot).
# Variables named GP_* (not GP_VM_*) are passed to the script in the VM.
# Everything the host lacks (mmdebstrap, qemu-system-x86, ...) is installed with apt-get. Root only.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${GP_VM_CACHE:-/var/cache/gracepack-vm}
RELEASES=(trixie sid)

# What the guest needs: Slurm and munge; what building and testing gracepack needs; what the init
# and the tests use. A change to this list (or to the build steps' version below) rebuilds the root
# file system.
PACKAGES=(
  linux-image-amd64 initramfs-tools kmod
  slurmctld slurmd slurm-client libslurm-dev munge
  cmake g++ make pkg-config libcap-dev libgtest-dev libgmock-dev libbenchmark-dev dpkg-dev file
  procps util-linux passwd bc man-db python3 iproute2 ca-certificates
  bash coreutils findutils grep sed gawk less psmisc strace busybox-static xz-utils
  # e2e.preempt_container: a bubblewrap container inside a job.
  bubblewrap
  # cluster.sh start --qos: accounting (slurmdbd on a private MariaDB) and QOS preemption.
  mariadb-server slurmdbd
)
# Bumped when the root file system's (image's) build steps change.
ROOTFS_RECIPE=3
IMAGE_RECIPE=1
# The modules our own initrd loads (with those they depend on): the root disk and the 9p shares.
# (Debian's initramfs would do, but its udev coldplug costs ~15 s of the boot under TCG.)
INITRD_MODULES=(virtio_pci virtio_blk ext4 9p 9pnet_virtio)
HOSTNAME_VM=gpvm

die() { echo "vm.sh: $*" >&2; exit 1; }
log() { echo "vm.sh: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

check_release() {
  local r
  for r in "${RELEASES[@]}"; do [ "$1" = "$r" ] && return 0; done
  die "unknown release '$1' (known: ${RELEASES[*]})"
}

need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

# Install the host tools that are missing (a fresh machine has none of them).
host_deps() {
  local -A want=(
    [mmdebstrap]=mmdebstrap [qemu-system-x86_64]=qemu-system-x86 [mkfs.ext4]=e2fsprogs
    [gpg]=gpg [unshare]=util-linux [flock]=util-linux [sha256sum]=coreutils [cpio]=cpio [xz]=xz-utils
    [zstd]=zstd
  )
  local missing=() cmd
  for cmd in "${!want[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
  done
  [ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
  [ ${#missing[@]} -eq 0 ] && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing on the host: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# The Debian mirror the host uses (deb822 or one-line sources), else deb.debian.org.
host_mirror() {
  if [ -n "${GP_VM_MIRROR:-}" ]; then echo "$GP_VM_MIRROR"; return; fi
  local url
  url=$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}'
           cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
             | awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}'
         } | grep -E '/debian/?$' | head -n1)
  echo "${url:-http://deb.debian.org/debian}"
}

# Apt options a suite needs: sid's Release file on the mirror may have expired.
suite_aptopts() {
  case "$1" in
    sid) echo 'Acquire::Check-Valid-Until "false";' ;;
  esac
}

rootfs_key() {
  { echo "recipe $ROOTFS_RECIPE"; echo "release $1"; printf '%s\n' "${PACKAGES[@]}" | sort
    echo "host $HOSTNAME_VM"; suite_aptopts "$1"
  } | sha256sum | cut -c1-16
}

image_key() {
  { rootfs_key "$1"; echo "image $IMAGE_RECIPE"; printf 'module %s\n' "${INITRD_MODULES[@]}"
    sha256sum < "$HERE/init"; } | sha256sum | cut -c1-16
}

# Refuse to delete a directory that has anything mounted under it (a chroot still running).
safe_rmtree() {
  local d=$1
  [ -e "$d" ] || return 0
  if awk -v d="$(realpath "$d")" '$2 == d || index($2, d "/") == 1 {found = 1} END {exit !found}' /proc/self/mounts; then
    die "$d has mounts under it; not removing it"
  fi
  rm -rf --one-file-system "$d"
}

rootfs_fresh() {
  local dir=$CACHE/$1
  [ -f "$dir/rootfs.key" ] && [ "$(cat "$dir/rootfs.key")" = "$(rootfs_key "$1")" ] && [ -x "$dir/rootfs/usr/sbin/slurmd" ]
}

image_fresh() {
  local dir=$CACHE/$1
  rootfs_fresh "$1" && [ -f "$dir/image.key" ] && [ "$(cat "$dir/image.key")" = "$(image_key "$1")" ] \
    && [ -f "$dir/disk.img" ] && [ -f "$dir/vmlinuz" ] && [ -f "$dir/initrd.img" ]
}

build_rootfs() {
  local rel=$1 dir=$CACHE/$1 key; key=$(rootfs_key "$rel")
  rootfs_fresh "$rel" && return 0
  local mirror; mirror=$(host_mirror)
  log "building the $rel root file system from $mirror (key $key)"
  local t0=$SECONDS new=$dir/rootfs.new
  safe_rmtree "$new"
  local opts=(--variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")")
  local aptopt; aptopt=$(suite_aptopts "$rel")
  [ -n "$aptopt" ] && opts+=(--aptopt="$aptopt")
  # Downloaded packages are kept in $CACHE/debs/RELEASE: a rebuild downloads only what changed.
  local debs=$CACHE/debs/$rel
  mkdir -p "$debs"
  opts+=(--skip=download/empty
    --setup-hook='mkdir -p "$1/var/cache/apt/archives/partial"'
    --setup-hook="sync-in $debs /var/cache/apt/archives/"
    --customize-hook="sync-out /var/cache/apt/archives/ $debs"
    --customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/apt/archives/partial')
  mmdebstrap "${opts[@]}" "$rel" "$new" "$mirror" >&2
  echo "$HOSTNAME_VM" > "$new/etc/hostname"
  printf '127.0.0.1\tlocalhost\n10.0.2.15\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$HOSTNAME_VM" > "$new/etc/hosts"
  : > "$new/etc/fstab"
  ls "$new"/boot/vmlinuz-* >/dev/null || die "no kernel in $new/boot"
  safe_rmtree "$dir/rootfs"
  mv "$new" "$dir/rootfs"
  echo "$key" > "$dir/rootfs.key"
  rm -f "$dir/image.key"
  log "$rel root file system built in $((SECONDS - t0)) s ($(du -sh --one-file-system "$dir/rootfs" | cut -f1))"
}

# build_initrd ROOT KVER OUT: a small initrd: busybox, the modules of INITRD_MODULES (uncompressed)
# and an /init that loads them, mounts /dev/vda and switches to the image's /sbin/gp-init.
build_initrd() {
  local root=$1 kver=$2 out=$3 tmp m line ko
  tmp=$(mktemp -d)
  mkdir -p "$tmp"/{bin,dev,proc,newroot,lib/modules}
  cp "$root/usr/bin/busybox" "$tmp/bin/busybox"
  mknod -m 600 "$tmp/dev/console" c 5 1
  : > "$tmp/modules"
  for m in "${INITRD_MODULES[@]}"; do
    chroot "$root" modprobe -S "$kver" --show-depends "$m" | while read -r line; do
      case "$line" in insmod\ *) ;; *) continue ;; esac
      ko=${line#insmod }; ko=${ko%% *}
      local name=${ko##*/}; name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
      grep -qx "$name" "$tmp/modules" && continue
      case "$ko" in
        *.xz) xz -dc "$root$ko" ;;
        *.zst) zstd -qdc "$root$ko" ;;
        *.gz) gzip -dc "$root$ko" ;;
        *) cat "$root$ko" ;;
      esac > "$tmp/lib/modules/$name"
      echo "$name" >> "$tmp/modules"
    done
  done
  cat > "$tmp/init" <<'INIT'
#!/bin/busybox sh
# gracepack VM initrd (tests/vm/vm.sh): modules, root disk, then the image's /sbin/gp-init.
B=/bin/busybox
$B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /modules); do $B insmod "/lib/modules/$m" || echo "initrd: insmod $m failed"; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do $B sleep 0.05; i=$((i + 1)); done
$B mount -t ext4 -o rw /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; $B sleep 5; $B poweroff -f; }
$B mount --move /dev /newroot/dev
exec $B switch_root /newroot /sbin/gp-init
INIT
  chmod 755 "$tmp/init"
  (cd "$tmp" && find . | cpio --quiet -o -H newc) > "$out"
  rm -rf "$tmp"
}

build_image() {
  local rel=$1 dir=$CACHE/$1 key; key=$(image_key "$rel")
  image_fresh "$rel" && return 0
  local t0=$SECONDS root=$dir/rootfs
  install -m 0755 "$HERE/init" "$root/sbin/gp-init"
  mkdir -p "$root$REPO"
  local kernel
  kernel=$(ls -v "$root"/boot/vmlinuz-* | tail -n1)
  # The root file system's size plus 2 GiB for what the tests write (the disk is used with
  # snapshot=on: the guest's writes go to a temporary overlay and vanish with the VM).
  local mb=$(( $(du -sm --one-file-system "$root" | cut -f1) * 5 / 4 + 2048 ))
  rm -f "$dir/disk.img.new"
  mkfs.ext4 -q -F -L gpvm -d "$root" "$dir/disk.img.new" "${mb}M" >&2
  mv "$dir/disk.img.new" "$dir/disk.img"
  cp "$kernel" "$dir/vmlinuz"
  build_initrd "$root" "${kernel##*/vmlinuz-}" "$dir/initrd.img"
  echo "$key" > "$dir/image.key"
  log "$rel image built in $((SECONDS - t0)) s (${mb} MiB, kernel ${kernel##*/vmlinuz-})"
}

cmd_image() {
  local rel=${1:-}; check_release "$rel"; need_root
  host_deps
  mkdir -p "$CACHE/$rel"
  # fd 9 holds a shared lock on the release for as long as this process (and the chroot or QEMU
  # it starts) lives; a rebuild takes it exclusively, so it waits for those to end.
  exec 9> "$CACHE/$rel/.lock"
  flock -s 9
  if ! image_fresh "$rel"; then
    flock -x 9
    build_rootfs "$rel"
    build_image "$rel"
    flock -s 9
  fi
  echo "$CACHE/$rel"
}

cmd_chroot() {
  local rel=${1:-}; check_release "$rel"; shift
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || die "chroot: no command"
  need_root
  cmd_image "$rel" >/dev/null
  local root=$CACHE/$rel/rootfs cwd=$REPO
  case "$PWD/" in "$REPO"/*) cwd=$PWD ;; esac
  # A private mount namespace: the mounts vanish with its last process, whatever happens.
  unshare --mount --propagation private -- bash -euc '
    root=$1 repo=$2 cwd=$3; shift 3
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    mkdir -p "$root$repo"
    mount --bind "$repo" "$root$repo"
    cd "$root$repo"
    exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      sh -c "cd \"\$1\" && shift && exec \"\$@\"" sh "$cwd" "$@"
  ' bash "$root" "$REPO" "$cwd" "$@"
}

# Write the job file the guest's init sources: the repository's path, the script and its
# arguments, the GP_* variables to export.
write_job() {
  local f=$1; shift
  {
    printf 'GP_REPO=%q\n' "$REPO"
    printf 'GP_9P_CACHE=%q\n' "${GP_VM_9P_CACHE:-mmap}"
    printf 'GP_SCRIPT_ARGS=('; printf '%q ' "$@"; printf ')\n'
    local v
    for v in $(compgen -e | grep '^GP_' | grep -v '^GP_VM_' || true); do
      printf 'export %s=%q\n' "$v" "${!v}"
    done
  } > "$f"
}

cmd_run() {
  local rel=${1:-}; check_release "$rel"; shift
  [ $# -gt 0 ] || die "run: no script"
  need_root
  # A script given by a path from here: as an absolute path (the repository has the same path in
  # the VM); otherwise a path relative to the repository.
  if [ -f "$1" ]; then
    set -- "$(realpath "$1")" "${@:2}"
    case "$1" in "$REPO"/*) ;; *) die "run: $1 is outside $REPO (the only directory the VM sees)" ;; esac
  fi
  cmd_image "$rel" >/dev/null
  local dir=$CACHE/$rel timeout=${GP_VM_TIMEOUT:-3600}
  mkdir -p "$CACHE/runs"
  # Keep the 20 newest runs.
  { ls -1dt "$CACHE"/runs/*/ 2>/dev/null || true; } | tail -n +21 | while read -r old; do rm -rf --one-file-system "$old"; done
  local run; run=$(mktemp -d "$CACHE/runs/$rel-$(date +%Y%m%d-%H%M%S)-XXXX")
  chmod 755 "$run"
  write_job "$run/job" "$@"
  local console=$run/console.log
  : > "$console"
  log "$rel: console log $console (script output also in $run/script.log)"
  # shellcheck disable=SC2054  # the commas are QEMU's
  local qemu=(
    qemu-system-x86_64 -name "gracepack-$rel" -nodefaults -no-user-config
    -machine q35 -accel tcg,thread=single -cpu max -smp 2 -m 4G
    -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img"
    -append "root=/dev/vda rw console=ttyS0 init=/sbin/gp-init panic=-1 loglevel=4 mitigations=off ${GP_VM_APPEND:-}"
    -drive "file=$dir/disk.img,format=raw,if=virtio,snapshot=on"
    -virtfs "local,path=$run,mount_tag=gpctl,security_model=passthrough,id=gpctl"
    -virtfs "local,path=$REPO,mount_tag=gprepo,security_model=passthrough,id=gprepo"
    -nic none -display none -monitor none -serial "file:$console" -no-reboot
  )
  local t0; t0=$(date +%s.%N)
  "${qemu[@]}" < /dev/null > "$run/qemu.log" 2>&1 &
  local qpid=$! tpid=
  echo "$qpid" > "$run/qemu.pid"
  # Whatever ends this script ends the VM it started (by its pid, nothing else).
  trap 'kill -KILL '"$qpid"' 2>/dev/null || true' EXIT
  trap 'exit 130' INT TERM
  if [ "${GP_VM_QUIET:-0}" != 1 ]; then
    tail -n +1 -F --pid="$qpid" "$console" 2>/dev/null &
    tpid=$!
  fi
  local timed_out=0 start_seen=
  while kill -0 "$qpid" 2>/dev/null; do
    if [ -z "$start_seen" ] && [ -f "$run/script-start-uptime" ]; then
      start_seen=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
    fi
    if (( $(date +%s) - ${t0%.*} >= timeout )); then
      log "$rel: timeout after ${timeout} s, killing QEMU (pid $qpid)"
      kill -TERM "$qpid" 2>/dev/null || true
      sleep 2
      kill -KILL "$qpid" 2>/dev/null || true
      timed_out=1
      break
    fi
    sleep 0.5
  done
  wait "$qpid" 2>/dev/null || true
  [ -n "$tpid" ] && { wait "$tpid" 2>/dev/null || true; }
  trap - EXIT INT TERM
  local total; total=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
  local rc
  if [ "$timed_out" = 1 ]; then
    rc=124
  elif [ -f "$run/rc" ]; then
    rc=$(cat "$run/rc")
  else
    log "$rel: the guest wrote no exit status (crashed or panicked?): see $console and $run/qemu.log"
    rc=125
  fi
  log "$rel: script started ${start_seen:-?} s after QEMU (guest uptime $(cat "$run/script-start-uptime" 2>/dev/null || echo ?) s); VM ran ${total} s; exit status $rc"
  log "$rel: console log $console"
  echo "${start_seen:-} $total $rc" > "$run/times"
  return "$rc"
}

# ---- the smoke test, run inside the VM by `vm.sh smoke` ----

cmd_guest_smoke() {
  set +e   # every check reports; the cluster is stopped whatever happened
  local cl=$REPO/tests/cluster/cluster.sh user=${GP_TEST_USER:-gptest}
  local stat_fs ver; stat_fs=$(stat -fc %T /sys/fs/cgroup); ver=$(slurmd -V)
  echo "== smoke: $ver, /sys/fs/cgroup is $stat_fs, kernel $(uname -r)"
  [ "$stat_fs" = cgroup2fs ] || die "smoke: /sys/fs/cgroup is not cgroup v2"
  export GP_CLUSTER_DIR=/tmp/gracepack-cluster GP_PLUGSTACK_LINE=
  local t0=$SECONDS
  bash "$cl" start || { bash "$cl" stop; die "smoke: the cluster did not start"; }
  echo "== cluster started in $((SECONDS - t0)) s"
  eval "$(bash "$cl" env)"
  local fail=0
  check() { if "$@"; then echo "ok: ${CHECK_WHAT:-$*}"; else echo "FAIL: ${CHECK_WHAT:-$*}"; fail=1; fi; }
  as_user() { runuser -u "$user" -- env SLURM_CONF="$SLURM_CONF" "$@"; }
  echo "== slurm.conf / cgroup.conf used:"
  grep -E '^(Cgroup|Ignore|Constrain|Proctrack|Task|Prolog|Auth|Cred|JobAcct|Accounting)' \
    "$GP_CLUSTER_DIR/etc/slurm.conf" "$GP_CLUSTER_DIR/etc/cgroup.conf" | sed 's/^/   /'

  # The job's cgroup directory: job_<id> up to 25.11, the job's SLUID from 26.05
  # (SLURM_JOB_SLUID in the job's environment; CgroupJobIdPaths=yes would restore job_<id>).
  local sluid_paths=0
  case "$ver" in *\ 2[6-9].*|*\ [3-9][0-9].*) sluid_paths=1 ;; esac
  job_dir() { # job_dir JOBID SLUID
    if [ "$sluid_paths" = 1 ]; then echo "${2:-<no SLURM_JOB_SLUID>}"; else echo "job_$1"; fi
  }
  local ids='echo "ids: $SLURM_JOB_ID ${SLURM_JOB_SLUID:-}"; cat /proc/self/cgroup'
  echo "== srun -n1 sh -c 'echo ids; cat /proc/self/cgroup' (as $user)"
  local out; out=$(cd "$GP_CLUSTER_DIR/work" && as_user timeout 120 srun -n1 sh -c "$ids") || true
  echo "$out"
  local id sluid jd
  read -r _ id sluid < <(grep '^ids:' <<< "$out") || true
  jd=$(job_dir "$id" "$sluid")
  CHECK_WHAT="srun task's cgroup is .../$jd/step_0/user/task_0" \
    check grep -Eq "^0::/system.slice/[^/]+_slurmstepd.scope/$jd/step_0/user/task_0\$" <<< "$out"

  echo "== sbatch (as $user)"
  local jid
  jid=$(cd "$GP_CLUSTER_DIR/work" && as_user sbatch --parsable -o "$GP_CLUSTER_DIR/work/batch-%j.out" \
        --wrap "$ids; srun -n1 cat /proc/self/cgroup") || true
  echo "job $jid"
  local state=
  for _ in $(seq 120); do
    state=$(scontrol show job "$jid" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2) || true
    case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED) break ;; esac
    sleep 1
  done
  out=$(cat "$GP_CLUSTER_DIR/work/batch-$jid.out" 2>/dev/null) || true
  echo "$out"
  CHECK_WHAT="sbatch job $jid COMPLETED (state $state)" check [ "$state" = COMPLETED ]
  read -r _ id sluid < <(grep '^ids:' <<< "$out") || true
  jd=$(job_dir "$id" "$sluid")
  CHECK_WHAT="batch script's cgroup is .../$jd/step_batch/user/task_0 and its step's .../$jd/step_0/user/task_0" \
    check eval 'grep -Eq "/$jd/step_batch/user/task_0\$" <<< "$out" && grep -Eq "/$jd/step_0/user/task_0\$" <<< "$out"'
  echo "scontrol show job: $(scontrol show job "$jid" | grep -Eo '(SLUID|JobId)=[^ ]*' | tr '\n' ' ')"

  echo "== a running job: memory.max of its task, slurmstepd's cgroups, the extern step (PrologFlags=Contain)"
  jid=$(cd "$GP_CLUSTER_DIR/work" && as_user sbatch --parsable -o /dev/null --wrap 'srun -n1 sleep 120') || true
  local tpid=
  for _ in $(seq 120); do
    tpid=$(pgrep -u "$user" -x sleep | head -n1) || true
    [ -n "$tpid" ] && break
    sleep 0.5
  done
  if [ -z "$tpid" ]; then
    CHECK_WHAT="a task of job $jid started" check false
  else
    sleep 1
    local cg; cg=$(sed -n 's/^0:://p' "/proc/$tpid/cgroup")
    echo "task pid $tpid: /proc/$tpid/cgroup = 0::$cg"
    sluid=$(tr '\0' '\n' < "/proc/$tpid/environ" | sed -n 's/^SLURM_JOB_SLUID=//p')
    jd=$(job_dir "$jid" "$sluid")
    CHECK_WHAT="task's cgroup is .../$jd/step_0/user/task_0" check grep -Eq "/$jd/step_0/user/task_0\$" <<< "$cg"
    local mm=/sys/fs/cgroup$cg/memory.max
    echo "$mm was $(cat "$mm")"
    CHECK_WHAT="root writes 256M to $mm" check sh -c "echo 268435456 > '$mm' && [ \"\$(cat '$mm')\" = 268435456 ]"
    local p
    echo "-- slurmstepd processes and their /proc/PID/cgroup:"
    for p in $(pgrep -x slurmstepd); do
      printf '   %s %s: %s\n' "$p" "$(tr '\0' ' ' < "/proc/$p/cmdline")" "$(cat "/proc/$p/cgroup")"
    done
    local jobcg=/sys/fs/cgroup${cg%/step_0/*}
    echo "-- the job's cgroup tree $jobcg:"
    local d
    while read -r d; do
      echo "   ${d#/sys/fs/cgroup}: procs [$(tr '\n' ' ' < "$d/cgroup.procs")]"
    done < <(find "$jobcg" -type d | sort)
    echo "-- processes in the extern step ($jobcg/step_extern):"
    local f
    for f in $(find "$jobcg/step_extern" -name cgroup.procs | sort); do
      echo "   ${f%/cgroup.procs}:"
      for p in $(cat "$f"); do
        ps -o pid=,ppid=,user=,comm=,args= -p "$p" | sed 's/^/      /' || true
      done
    done
    echo "-- every process in a cgroup of the job (ps -o pid,ppid,user,comm,cgroup):"
    ps -eo pid,ppid,user,comm,cgroup --sort=pid | awk -v j="${jobcg#/sys/fs/cgroup}/" 'NR == 1 || index($0, j)' | sed 's/^/   /' || true
    local ext; ext=$(pgrep -f '^slurmstepd: \[[0-9]+\.extern\]' | head -n1)
    echo "-- children of the extern slurmstepd ($ext), wherever they are:"
    ps -o pid,ppid,user,comm,cgroup --ppid "$ext" | sed 's/^/   /'
    CHECK_WHAT="extern step exists" check test -d "$jobcg/step_extern"
  fi
  scancel "$jid" 2>/dev/null || true
  sleep 2
  echo "== the cluster's logs (errors):"
  grep -hE '(error|fatal):' "$GP_CLUSTER_DIR"/log/*.log | tail -n 30 | sed 's/^/   /' || true
  bash "$cl" stop
  echo "== zombies left: $(ps -eo stat,pid,comm | awk '$1 ~ /^Z/' | tr '\n' ' ')"
  [ "$fail" = 0 ] && echo "== smoke: PASS" || echo "== smoke: FAIL"
  return "$fail"
}

cmd_smoke() {
  local rel=${1:-}; check_release "$rel"
  GP_VM_TIMEOUT=${GP_VM_TIMEOUT:-900} cmd_run "$rel" "tests/vm/vm.sh" guest-smoke
}

main() {
  case "${1:-}" in
    image) shift; cmd_image "$@" ;;
    chroot) shift; cmd_chroot "$@" ;;
    run) shift; cmd_run "$@" ;;
    smoke) shift; cmd_smoke "$@" ;;
    guest-smoke) shift; cmd_guest_smoke "$@" ;;
    releases) printf '%s\n' "${RELEASES[@]}" ;;
    *) usage ;;
  esac
}

# One line, so that bash has read all of it before it runs: editing this file while it runs is safe.
main "$@"; exit $?
