#!/usr/bin/env bash
# A real single-node Slurm (munge + slurmctld + slurmd from Debian) for gracepack's tests.
#
#   cluster.sh start [--no-contain|--run-in-job] [--nodes N] [--gang] [--tmpfs] [--constrain-devices]
#                    [--qos]          start the daemons; state lives in $GP_CLUSTER_DIR. With
#                                     --nodes N (2-3): N slurmd (Slurm's multiple-slurmd mode,
#                                     nodes gp1..gpN on this machine, each with 4 fake GPUs);
#                                     --gang: PreemptMode=SUSPEND,GANG with a partition
#                                     low-suspend whose jobs are suspended, not ended;
#                                     --tmpfs: JobContainerType=job_container/tmpfs (private /tmp);
#                                     --constrain-devices: cgroup.conf ConstrainDevices=yes (each
#                                     job, step and bound task reaches only its fake GPUs);
#                                     --run-in-job: PrologFlags=Contain,RunInJob (Slurm 24.05+);
#                                     --qos: accounting and QOS preemption: a private MariaDB
#                                     (in $GP_CLUSTER_DIR/db, socket only, no TCP port) and
#                                     slurmdbd (port GP_DBD_PORT, default ctld port + 2),
#                                     PreemptType=preempt/qos, AccountingStorageEnforce=
#                                     associations,limits,qos; QOS normal (the default; preempts
#                                     scav-requeue and scav-cancel, GraceTime=$GP_GRACE_TIME),
#                                     protected (never preempted), unlisted (no association may
#                                     use it); accounts gp (normal, scav-*, protected) and
#                                     gp-noprotect (normal, scav-*) with the test users (default
#                                     gp), root in gp. ~5 s where a plain start takes ~1 s
#   cluster.sh stop                   stop exactly the daemons that start recorded
#   cluster.sh restart [ARGS]         stop, then start afresh with start's ARGS
#   cluster.sh plugstack [LINE]       rewrite the cluster's plugstack.conf (no LINE: no plugin)
#   cluster.sh env                    print the variables a shell needs to use the cluster
#                                     (GP_QOS=1 when it runs with --qos)
#   cluster.sh all start|stop N       start (or stop) clusters 1..N, one after the other
#   cluster.sh daemon stop|kill|start NAME
#                                     stop (TERM), kill (KILL: a crash) or start one daemon
#                                     (slurmctld, slurmd) of a running cluster, for fault tests
#
# Every command is pointed at the cluster's own slurm.conf with SLURM_CONF; nothing under /etc is
# read or changed. The directory defaults to /tmp/gracepack-cluster and is recreated on start.
#
# GP_CLUSTER=K (1-9, default 1) picks one of several independent clusters on this machine, so that
# CTest runs end-to-end tests side by side (tests/CMakeLists.txt): each has its own directory,
# ports, node names (and so Slurm's cgroups), test users, gracepack state_dir, job ids and
# job_container base. Cluster 1 is the one the demo and a plain `cluster.sh start` use.
set -euo pipefail

# Under CTest with a resource spec (tests/CMakeLists.txt) the test's cluster is the one CTest
# allotted it ("id:K,slots:1"), whatever the environment says.
if [ -n "${CTEST_RESOURCE_GROUP_0_CLUSTERS:-}" ]; then
  GP_CLUSTER=$(sed -n 's/^id:\([1-9]\),slots:1$/\1/p' <<<"$CTEST_RESOURCE_GROUP_0_CLUSTERS")
  [ -n "$GP_CLUSTER" ] || { echo "cluster.sh: CTest's cluster: '$CTEST_RESOURCE_GROUP_0_CLUSTERS'" >&2; exit 1; }
fi
GP_CLUSTER=${GP_CLUSTER:-1}
case "$GP_CLUSTER" in [1-9]) ;; *) echo "cluster.sh: GP_CLUSTER: 1 to 9, not '$GP_CLUSTER'" >&2; exit 1 ;; esac
K=$GP_CLUSTER
if [ "$K" = 1 ]; then
  GP_CLUSTER_DIR=${GP_CLUSTER_DIR:-/tmp/gracepack-cluster}
  GP_TEST_USER=${GP_TEST_USER:-gptest}
  GP_OTHER_USER=${GP_OTHER_USER:-gptest2}
  GP_NODE=localhost GP_NODE_PREFIX=gp
  GP_STATE_DIR=/run/gracepack   # the plugin's default: the plugstack line does not name it
  JC_BASE=${GP_JC_BASE:-/var/tmp/gracepack-cluster-jc}
else
  GP_CLUSTER_DIR=${GP_CLUSTER_DIR:-/tmp/gracepack-cluster-$K}
  GP_TEST_USER=${GP_TEST_USER:-gptest-c$K}
  GP_OTHER_USER=${GP_OTHER_USER:-gptest-c${K}o}
  GP_NODE=c$K GP_NODE_PREFIX=c${K}n
  GP_STATE_DIR=/run/gracepack-cluster$K
  JC_BASE=${GP_JC_BASE:-/var/tmp/gracepack-cluster-jc-$K}
  GP_CTLD_PORT=${GP_CTLD_PORT:-$((6817 + 200 * (K - 1)))}
  GP_SLURMD_PORT=${GP_SLURMD_PORT:-$((GP_CTLD_PORT + 1))}
fi
# slurmdbd's port (start --qos): the ctld port + 2 (cluster 1: 6819, Slurm's default).
GP_DBD_PORT=${GP_DBD_PORT:-$(( ${GP_CTLD_PORT:-6817} + 2 ))}
# Job ids apart too, so that a job's slurmstepd is found by its id alone.
GP_FIRST_JOB=$(( (K - 1) * 100000 + 1 ))
GP_PLUGIN=${GP_PLUGIN:-}
GP_GRACE_TIME=${GP_GRACE_TIME:-15}
D=$GP_CLUSTER_DIR

die() { echo "cluster.sh: $*" >&2; exit 1; }

plugin_dir() { pkg-config --variable=libdir slurm 2>/dev/null | sed 's|$|/slurm-wlm|' || true; }

default_plugin() {
  local dir
  dir=$(dirname "$(find /usr/lib -name 'spank_pbs.so' -path '*slurm*' 2>/dev/null | head -n1)")
  echo "$dir/gracepack.so"
}

# The nodes this cluster runs: $GP_NODE alone (cluster 1: localhost), or ${GP_NODE_PREFIX}1..N
# (cluster 1: gp1..gpN).
node_names() {
  local n; n=$(cat "$D/run/nodes" 2>/dev/null || echo 1)
  if [ "$n" = 1 ]; then echo "$GP_NODE"; else seq -f "$GP_NODE_PREFIX%g" 1 "$n"; fi
}

# ---- cgroup v2 and newer Slurm (24.11, 26.05; tests/vm/). The host's Slurm 22.05 on cgroup v1
# gets exactly the configuration it always had. ----
# cgroup_v2: /sys/fs/cgroup is the unified hierarchy (cgroup2fs), not v1's tmpfs of controllers.
cgroup_v2() { [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; }
# slurm_version: the installed slurmd's release as MMmm ("slurm-wlm 22.05.8" -> 2205, 26.05 -> 2605).
slurm_version() { slurmd -V 2>/dev/null | awk '{split($2, v, "."); printf "%d%02d\n", v[1], v[2]; exit}'; }
# cgroup.conf's plugin lines. CgroupAutomount only before 24.11 (24.11 and 26.05 log 'error: The
# option "CgroupAutomount" is defunct'). On v2, where systemd is not running (a bare VM),
# IgnoreSystemd=yes: Slurm then makes its stepd scope itself instead of asking systemd over dbus.
cgroup_plugin_lines() {
  if cgroup_v2; then
    echo "CgroupPlugin=cgroup/v2"
    [ -d /run/systemd/system ] || echo "IgnoreSystemd=yes"
  else
    echo "CgroupPlugin=cgroup/v1"
    [ "$(slurm_version)" -ge 2411 ] 2>/dev/null || echo "CgroupAutomount=yes"
  fi
}
# Slurm's cgroups for this cluster's nodes (whichever number of nodes it last ran), v1 (per
# controller) and v2 (under the stepd scope); never another cluster's.
slurm_cgroup_dirs() {
  local n
  for n in "$GP_NODE" "$GP_NODE_PREFIX"1 "$GP_NODE_PREFIX"2 "$GP_NODE_PREFIX"3; do
    echo /sys/fs/cgroup/*/slurm_"$n" /sys/fs/cgroup/slurm_"$n"
    cgroup_v2 && echo /sys/fs/cgroup/system.slice/"$n"_slurmstepd.scope
  done
  # Where a Slurm built without multiple-slurmd puts it: only cluster 1 may own that one.
  [ "$K" = 1 ] && cgroup_v2 && echo /sys/fs/cgroup/system.slice/slurmstepd.scope
  return 0
}
# ---- end of cgroup v2 / newer Slurm ----

write_conf() {
  local contain=$1 nodes=$2 gang=${3:-0} tmpfs=${4:-0} devices=${5:-0} qos=${6:-0}
  local cpus; cpus=$(nproc)
  local mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  cat > "$D/etc/slurm.conf" <<CONF
ClusterName=gptest$( [ "$K" = 1 ] || echo "$K" )
$( [ "$K" = 1 ] || echo "FirstJobId=$GP_FIRST_JOB" )
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmctldPort=${GP_CTLD_PORT:-6817}
SlurmdPort=${GP_SLURMD_PORT:-6818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket,cred_expire=5
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/spool/%n
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd$( [ "$nodes" -gt 1 ] && echo '-%n').pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd$( [ "$nodes" -gt 1 ] && echo '-%n').log
SlurmctldDebug=info
SlurmdDebug=debug
PlugStackConfig=$D/etc/plugstack.conf
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup,task/affinity
$( [ "$contain" = 1 ] && echo "PrologFlags=Contain" )
$( [ "$contain" = 2 ] && echo "PrologFlags=Contain,RunInJob" )
JobRequeue=1
KillWait=5
MinJobAge=300
ReturnToService=2
SchedulerParameters=sched_interval=2,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
PreemptType=preempt/$( [ "$qos" = 1 ] && echo qos || echo partition_prio )
PreemptMode=$( [ "$gang" = 1 ] && echo SUSPEND,GANG || echo REQUEUE )
$( [ "$tmpfs" = 1 ] && echo JobContainerType=job_container/tmpfs )
JobAcctGatherType=jobacct_gather/none
$( [ "$qos" = 1 ] && accounting_lines || echo AccountingStorageType=accounting_storage/none )
MailProg=/bin/true
$(node_lines "$nodes" "$cpus" "$mem")
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=OFF OverSubscribe=NO
PartitionName=low Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=REQUEUE GraceTime=$GP_GRACE_TIME
PartitionName=low-grace Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=CANCEL GraceTime=$GP_GRACE_TIME
PartitionName=load Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=CANCEL GraceTime=$GP_GRACE_TIME OverSubscribe=FORCE:16
PartitionName=high Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
$( [ "$gang" = 1 ] && echo "PartitionName=low-suspend Nodes=ALL MaxTime=INFINITE State=UP PriorityTier=1 PreemptMode=SUSPEND" )
CONF
  if [ "$tmpfs" = 1 ]; then
    # Slurm refuses a BasePath under /tmp or /dev/shm.
    mkdir -p "$JC_BASE"
    printf 'AutoBasePath=true\nBasePath=%s\n' "$JC_BASE" > "$D/etc/job_container.conf"
  fi
  cat > "$D/etc/cgroup.conf" <<CONF
$(cgroup_plugin_lines)
ConstrainCores=yes
ConstrainRAMSpace=yes
ConstrainDevices=$( [ "$devices" = 1 ] && echo yes || echo no )
CONF
  cat > "$D/etc/gres.conf" <<CONF
Name=gpu File=/dev/tty[0-3]
CONF
}

# node_lines N CPUS MEM: one node named localhost, or N nodes gp1..gpN that share this machine,
# each with its own slurmd port and a share of the memory.
node_lines() {
  local n=$1 cpus=$2 mem=$3 i
  if [ "$n" = 1 ] && [ "$K" = 1 ]; then
    echo "NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:4 State=UNKNOWN"
    return
  fi
  if [ "$n" = 1 ]; then
    echo "NodeName=$GP_NODE NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem Gres=gpu:4 State=UNKNOWN"
    return
  fi
  for i in $(seq "$n"); do
    echo "NodeName=$GP_NODE_PREFIX$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$(( ${GP_SLURMD_PORT:-6818} + 100 + i )) CPUs=$cpus RealMemory=$((mem / n)) Gres=gpu:4 State=UNKNOWN"
  done
}

# Slurm's cgroups for this node left by a cluster that died (its slurmstepd killed): a new job
# with a reused id would land in them and fail to start, and Slurm would drain the node.
# rmdir removes only empty directories, so nothing that holds a process is touched.
clean_cgroups() {
  local c
  for c in $(slurm_cgroup_dirs); do
    [ -d "$c" ] || continue
    find "$c" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

wait_for() { # wait_for SECONDS CMD...: polls CMD every 0.2 s for SECONDS (however long CMD takes)
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}

# ---- Accounting and QOS preemption (start --qos): a private MariaDB, slurmdbd, and the QOS,
# accounts and users the tests use. ----
# slurm.conf's lines for it. AccountingStoragePass names the munge socket clients and slurmctld use
# to reach slurmdbd (AuthInfo's socket= is not used for that connection). priority/multifactor with
# a QOS weight: the normal QOS' jobs go before the scavengers'.
accounting_lines() {
  cat <<CONF
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$GP_DBD_PORT
AccountingStoragePass=$D/munge/munge.socket
AccountingStorageEnforce=associations,limits,qos
PriorityType=priority/multifactor
PriorityWeightQOS=10000
CONF
}

# MariaDB of this cluster: data, socket, pid file and log in $D/db (mysql's, mode 0700: only root
# and mysql reach the socket); --skip-networking: no TCP port at all. The data lives as long as
# the cluster, so nothing is synced to disk: --debug-no-sync (mariadb-install-db's ~1000 fdatasync
# calls, mostly of its DDL log, took 0.5-4 s on a busy disk), no log flush at commit, no doublewrite,
# a crash-like shutdown; and small InnoDB sizes. MariaDB 11.8 (Debian unstable) turns
# innodb_snapshot_isolation on, which slurmdbd 26.05 says makes it fatal on a write conflict: off
# (`loose-`: a MariaDB without the option ignores it).
start_mariadb() {
  local db=$D/db
  local opts=(--no-defaults --datadir="$db/data" --user=mysql --skip-name-resolve --debug-no-sync
    --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --innodb-flush-log-at-trx-commit=0
    --innodb-doublewrite=0 --innodb-fast-shutdown=3 --loose-innodb-snapshot-isolation=OFF)
  mkdir -p "$db"
  chown mysql:mysql "$db"; chmod 700 "$db"
  mariadb-install-db "${opts[@]}" --skip-test-db --auth-root-authentication-method=socket \
    > "$D/log/mariadb-install.log" 2>&1 || die "mariadb-install-db failed: $(tail -20 "$D/log/mariadb-install.log")"
  # mariadbd does not detach itself: a session of its own, and no descriptor of ours.
  setsid /usr/sbin/mariadbd "${opts[@]}" --socket="$db/mysqld.sock" --skip-networking \
    --pid-file="$db/mariadbd.pid" --log-error="$db/mariadbd.log" </dev/null >/dev/null 2>&1 &
  echo "mariadbd $!" >> "$D/run/started"
  wait_for 30 sql -e 'SELECT 1' || die "mariadbd did not start: $(tail -20 "$db/mariadbd.log")"
  # The slurm user, with a random password that only root reads ($D/etc/db.pass, slurmdbd.conf),
  # and its database made here: slurmdbd that finds none connects again on the handle whose
  # connect failed, and libmariadb 3.4.10 (Debian unstable) has then forgotten its column limit:
  # "5027 Number of columns in result (=1) set exceeds maximum allowed number of columns (=0)",
  # and slurmdbd 26.05 exits.
  local pw; pw=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
  (umask 077; echo "$pw" > "$D/etc/db.pass")
  sql --batch <<SQL
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER 'slurm'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
SQL
}
# sql ARGS...: the mariadb client as the database's root (unix_socket authentication) on its socket.
sql() { mariadb --no-defaults -S "$D/db/mysqld.sock" -uroot "$@"; }

# slurmdbd: Slurm 22.05's has no -f and reads slurmdbd.conf beside $SLURM_CONF (mode 0600, owned
# by SlurmUser). StorageHost=localhost makes the MariaDB client library use a Unix socket, and
# MYSQL_UNIX_PORT in slurmdbd's environment names ours (Slurm has no option for the socket).
start_slurmdbd() {
  (umask 077; cat > "$D/etc/slurmdbd.conf") <<CONF
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.socket
DbdHost=localhost
DbdPort=$GP_DBD_PORT
SlurmUser=root
DebugLevel=info
LogFile=$D/log/slurmdbd.log
PidFile=$D/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$(cat "$D/etc/db.pass")
StorageLoc=slurm_acct_db
CONF
  rm -f "$D/run/slurmdbd.pid"
  MYSQL_UNIX_PORT=$D/db/mysqld.sock /usr/sbin/slurmdbd
  wait_for 20 test -s "$D/run/slurmdbd.pid" || die "slurmdbd did not start: $(tail -20 "$D/log/slurmdbd.log")"
  echo "slurmdbd $(cat "$D/run/slurmdbd.pid")" >> "$D/run/started"
  # It answers once it has made its tables.
  wait_for 30 timeout 10 sacctmgr -n show cluster \
    || die "slurmdbd does not answer: $(tail -20 "$D/log/slurmdbd.log")"
}

# The cluster, QOS, accounts and users, in slurmdbd, before slurmctld starts (it loads them then).
#   normal (every association's default) preempts scav-requeue and scav-cancel (GraceTime
#   $GP_GRACE_TIME, then requeued or cancelled); protected: nobody preempts it; unlisted: no
#   association may use it. Accounts gp (all but unlisted) and gp-noprotect (normal and the
#   scavengers); the test users in both (default gp), root in gp.
# Every sacctmgr command costs 0.35-0.6 s of round trips to slurmdbd (~40 ms each, measured), so
# the QOS are added side by side and the cluster with its accounts and users comes from one file
# (`sacctmgr load`, ~1.4 s where separate commands took ~3 s).
add_associations() {
  local cluster; cluster=$(sed -n 's/^ClusterName=//p' "$D/etc/slurm.conf")
  local acct="QOS='normal,scav-requeue,scav-cancel,protected':DefaultQOS='normal'"
  local noprot="QOS='normal,scav-requeue,scav-cancel':DefaultQOS='normal'"
  cat > "$D/etc/associations.cfg" <<CFG
Cluster - '$cluster':QOS='normal'
Parent - 'root'
Account - 'gp':Description='gp':Organization='gp':$acct
Account - 'gp-noprotect':Description='gp-noprotect':Organization='gp-noprotect':$noprot
Parent - 'gp'
User - '$GP_TEST_USER':DefaultAccount='gp'
User - '$GP_OTHER_USER':DefaultAccount='gp'
User - 'root':DefaultAccount='root'
Parent - 'gp-noprotect'
User - '$GP_TEST_USER':DefaultAccount='gp'
User - '$GP_OTHER_USER':DefaultAccount='gp'
CFG
  sacctmgr_all "add qos scav-requeue PreemptMode=requeue GraceTime=$GP_GRACE_TIME Priority=0" \
    "add qos scav-cancel PreemptMode=cancel GraceTime=$GP_GRACE_TIME Priority=0" \
    "add qos protected,unlisted Priority=100"
  sacctmgr_all "modify qos normal set Preempt=scav-requeue,scav-cancel Priority=100" \
    "load file=$D/etc/associations.cfg"
  wait_for 10 sh -c "sacctmgr -n -P show assoc cluster=$cluster user=$GP_TEST_USER format=account | grep -qx gp-noprotect" \
    || die "associations missing in slurmdbd: $(sacctmgr -n -P show assoc cluster="$cluster"; cat "$D"/log/sacctmgr-*.log)"
}
# sacctmgr_all CMD...: runs `sacctmgr -i CMD` for each CMD at once (output in $D/log/sacctmgr-*.log);
# fails if one fails.
sacctmgr_all() {
  local cmd log pids=() failed=0
  for cmd in "$@"; do
    log=$(mktemp "$D/log/sacctmgr-XXXX.log")
    echo "sacctmgr -i $cmd" > "$log"
    # shellcheck disable=SC2086 # CMD is sacctmgr's words
    timeout 60 sacctmgr -i $cmd >> "$log" 2>&1 &
    pids+=($!)
  done
  for cmd in "${pids[@]}"; do wait "$cmd" || failed=1; done
  [ "$failed" = 0 ] || die "sacctmgr failed: $(cat "$D"/log/sacctmgr-*.log)"
}

# slurmctld has the test user's associations and the QOS.
assoc_loaded() {
  scontrol show assoc_mgr users="$GP_TEST_USER" flags=assoc | grep -q "UserName=$GP_TEST_USER(" \
    && scontrol show assoc_mgr flags=qos | grep -q "QOS=scav-cancel("
}
# ---- end of accounting ----

start() {
  local contain=1 nodes=1 gang=0 tmpfs=0 devices=0 qos=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --no-contain) contain=0 ;;
      --run-in-job) contain=2 ;;
      --gang) gang=1 ;;
      --tmpfs) tmpfs=1 ;;
      --constrain-devices) devices=1 ;;
      --qos) qos=1 ;;
      --nodes) nodes=${2:-}; shift ;;
      *) die "start: unknown argument '$1'" ;;
    esac
    shift
  done
  case "$nodes" in 1|2|3) ;; *) die "--nodes: 1, 2 or 3, not '$nodes'" ;; esac
  [ "$(id -u)" = 0 ] || die "must run as root (slurmd and munged need it)"
  if [ -f "$D/run/started" ]; then stop; fi
  local port ports=("${GP_CTLD_PORT:-6817}" "${GP_SLURMD_PORT:-6818}")
  [ "$qos" = 1 ] && ports+=("$GP_DBD_PORT")
  for port in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is in use (another Slurm?); set GP_CTLD_PORT/GP_SLURMD_PORT/GP_DBD_PORT or stop it"
    fi
  done
  rm -rf "$D"
  # Clusters but the first have a state_dir of their own: what an earlier cluster left there
  # (a test killed by CTest's timeout) is not this one's.
  [ "$K" = 1 ] || rm -rf --one-file-system "$GP_STATE_DIR"
  clean_cgroups
  mkdir -p "$D"/{etc,ctld,spool/"$GP_NODE",run,log,munge,work}
  chmod 755 "$D" "$D/work"
  id "$GP_TEST_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$GP_TEST_USER"
  id "$GP_OTHER_USER" >/dev/null 2>&1 || useradd --no-create-home --shell /bin/bash "$GP_OTHER_USER"
  chown "$GP_TEST_USER" "$D/work"

  # munge: private key and socket, run as the munge user.
  chown munge:munge "$D/munge"; chmod 755 "$D/munge"
  dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$D/munge/munge.key"; chmod 400 "$D/munge/munge.key"
  runuser -u munge -- /usr/sbin/munged --key-file="$D/munge/munge.key" \
    --socket="$D/munge/munge.socket" --pid-file="$D/munge/munged.pid" \
    --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed"
  wait_for 10 test -S "$D/munge/munge.socket" || die "munged did not start: $(cat "$D/munge/munged.log")"
  echo "munged $(cat "$D/munge/munged.pid")" >> "$D/run/started"

  echo "$nodes" > "$D/run/nodes"
  write_conf "$contain" "$nodes" "$gang" "$tmpfs" "$devices" "$qos"
  plugstack "${GP_PLUGSTACK_LINE-required $(default_plugin)}"
  export SLURM_CONF=$D/etc/slurm.conf

  if [ "$qos" = 1 ]; then
    start_mariadb
    start_slurmdbd
    add_associations
  fi
  start_slurmctld
  start_slurmd
  local node
  for node in $(node_names); do
    wait_for 60 sh -c "sinfo -h -n $node -o %t | grep -Eq '^(idle|mix|alloc)'" \
      || die "node $node did not come up: $(sinfo -N -l; tail -20 "$D"/log/slurmd*.log)"
  done
  if [ "$qos" = 1 ]; then
    wait_for 30 assoc_loaded || die "slurmctld has not loaded the associations: $(scontrol show assoc_mgr users="$GP_TEST_USER")"
    touch "$D/run/qos"
  fi
  echo "cluster up in $D (SLURM_CONF=$SLURM_CONF)"
}

# slurmstepd processes of this cluster: started by its slurmd, so they carry its SLURM_CONF.
our_stepds() {
  local pid
  for pid in $(pgrep -x slurmstepd 2>/dev/null); do
    { tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | grep -qx "SLURM_CONF=$D/etc/slurm.conf" && echo "$pid"
  done
  return 0
}

stop() {
  [ -f "$D/run/started" ] || { echo "cluster.sh: nothing recorded as started in $D"; return 0; }
  # End the cluster's jobs first, so no slurmstepd (and no job process) outlives the cluster.
  export SLURM_CONF=$D/etc/slurm.conf
  local jobs; jobs=$(timeout 10 squeue -h -o %i 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    timeout 10 scancel $jobs 2>/dev/null || true
    for _ in $(seq 60); do [ -z "$(our_stepds)" ] && break; sleep 0.5; done
  fi
  # Stop in reverse order, each by the pid this script recorded, and only if it is still the same
  # program (a pid may have been reused).
  tac "$D/run/started" | while read -r name pid; do stop_pid "$name" "$pid"; done
  local left; left=$(our_stepds)
  if [ -n "$left" ]; then
    echo "cluster.sh: killing leftover slurmstepd: $left"
    kill -KILL $left 2>/dev/null || true
  fi
  clean_cgroups
  # job_container/tmpfs's per-job directories (--tmpfs); its mounts ended with the jobs.
  [ -d "$JC_BASE" ] && rm -rf --one-file-system "$JC_BASE"
  rm -f "$D/run/started" "$D/run/qos"
  echo "cluster stopped"
}

start_slurmctld() {
  rm -f "$D/run/slurmctld.pid"
  /usr/sbin/slurmctld -i
  wait_for 20 test -s "$D/run/slurmctld.pid" || die "slurmctld did not start: $(tail -20 "$D/log/slurmctld.log")"
  echo "slurmctld $(cat "$D/run/slurmctld.pid")" >> "$D/run/started"
}

start_slurmd() {
  local node pidf
  for node in $(node_names); do
    if [ "$node" = localhost ]; then
      pidf=$D/run/slurmd.pid
      rm -f "$pidf"
      /usr/sbin/slurmd
    elif [ "$(cat "$D/run/nodes")" = 1 ]; then
      pidf=$D/run/slurmd.pid
      rm -f "$pidf"
      /usr/sbin/slurmd -N "$node"
    else
      pidf=$D/run/slurmd-$node.pid
      rm -f "$pidf"
      mkdir -p "$D/spool/$node"
      /usr/sbin/slurmd -N "$node"
    fi
    wait_for 20 test -s "$pidf" || die "slurmd $node did not start: $(tail -20 "$D"/log/slurmd*.log)"
    echo "slurmd $(cat "$pidf")" >> "$D/run/started"
  done
}

# stop_pid NAME PID: TERM, then KILL after 10 s, only if PID is still NAME (pids are reused).
stop_pid() {
  local name=$1 pid=$2
  if [ -d "/proc/$pid" ] && grep -q "$name" "/proc/$pid/comm" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  fi
  return 0
}

# daemon stop|start NAME: one daemon of a running cluster; jobs and state stay.
daemon() {
  local action=$1 name=$2
  [ -f "$D/run/started" ] || die "no cluster recorded as started in $D"
  case "$name" in slurmctld|slurmd) ;; *) die "daemon: slurmctld or slurmd, not '$name'" ;; esac
  export SLURM_CONF=$D/etc/slurm.conf
  case "$action" in
    stop|kill)
      local pid; pid=$(awk -v n="$name" '$1 == n {p = $2} END {print p}' "$D/run/started")
      [ -n "$pid" ] || die "$name is not recorded as started"
      if [ "$action" = kill ] && grep -q "$name" "/proc/$pid/comm" 2>/dev/null; then
        kill -KILL "$pid"
        for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
      fi
      stop_pid "$name" "$pid"
      awk -v n="$name" '$1 != n' "$D/run/started" > "$D/run/started.new"
      mv "$D/run/started.new" "$D/run/started" ;;
    start)
      local pid; pid=$(awk -v n="$name" '$1 == n {p = $2} END {print p}' "$D/run/started")
      if [ -n "$pid" ] && grep -q "$name" "/proc/$pid/comm" 2>/dev/null; then return 0; fi
      "start_$name" ;;
    *) die "daemon: stop, kill or start, not '$action'" ;;
  esac
}

# Clusters but the first keep gracepack's state apart with their own state_dir, unless the line
# names one.
plugstack() {
  local line=${1:-}
  if [ -n "$line" ] && [ "$K" != 1 ] && [[ "$line" != *state_dir=* ]]; then
    line="$line state_dir=$GP_STATE_DIR"
  fi
  printf '%s\n' "$line" > "$D/etc/plugstack.conf.new"
  mv "$D/etc/plugstack.conf.new" "$D/etc/plugstack.conf"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  plugstack) shift; plugstack "${1:-}" ;;
  env) echo "export SLURM_CONF=$D/etc/slurm.conf GP_CLUSTER=$K GP_CLUSTER_DIR=$D GP_TEST_USER=$GP_TEST_USER" \
            "GP_OTHER_USER=$GP_OTHER_USER GP_NODE=$GP_NODE GP_NODE_PREFIX=$GP_NODE_PREFIX GP_STATE_DIR=$GP_STATE_DIR" \
            "GP_FIRST_JOB=$GP_FIRST_JOB$( [ -f "$D/run/qos" ] && [ -f "$D/run/started" ] && echo " GP_QOS=1")" ;;
  all)
    # The clusters side by side, each in a process of its own with nothing of this one's choices
    # but GP_CLUSTER; fails if one fails.
    [ "$#" = 3 ] && [[ "$3" =~ ^[1-9]$ ]] || die "all start|stop N (1-9)"
    case "$2" in start|stop) ;; *) die "all: start or stop, not '$2'" ;; esac
    pids=()
    for k in $(seq "$3"); do
      env -u GP_CLUSTER_DIR -u GP_TEST_USER -u GP_OTHER_USER -u GP_CTLD_PORT -u GP_SLURMD_PORT -u GP_DBD_PORT \
        -u GP_JC_BASE -u CTEST_RESOURCE_GROUP_0_CLUSTERS GP_CLUSTER="$k" "$0" "$2" &
      pids+=($!)
    done
    rc=0
    for p in "${pids[@]}"; do wait "$p" || rc=1; done
    exit "$rc" ;;
  restart) shift; stop; start "$@" ;;
  daemon) shift; daemon "${1:-}" "${2:-}" ;;
  *) echo "usage: $0 start [--no-contain] [--qos] | stop | restart | plugstack [LINE] | env | all start|stop N | daemon stop|start NAME" >&2; exit 2 ;;
esac
