#!/usr/bin/env bash
# gracepack-report on real jobs (issue 12). Four --preempt-requeue jobs of the test user end four
# ways on the real cluster: (P) preempted in the -grace partition, its app checkpoints on the
# notice, requeued, resumed, completed; (C) cancelled with scancel; (T) ended by its time limit;
# (N) completed; and (O) one job of a second user. Then, as the test user, `gracepack-report JOBID`
# tells each story (cause, checkpoint window used, requeue), agreeing with the app's notice file
# and slurmctld; the user cannot read the other user's job (exit status 4, docs/report.md "Who
# may see what"); `--summary` counts what happened (text and --json); `--json` parses;
# `--openmetrics` passes a strict OpenMetrics parser (prometheus_client) and `--prometheus`
# passes `promtool check metrics`; both SVGs render to PNG (rsvg-convert).
source "$(dirname "$0")/preempt_lib.sh"

REPORT=$(command -v gracepack-report) || die "gracepack-report is not installed (scripts/build.sh)"
# Debian's python3, whatever python3 comes first on PATH: python3-prometheus-client is its module.
PY=/usr/bin/python3
[ "$NCPU" -ge 2 ] || die "the test needs 2 CPUs on the node (one for the time-limit job), not $NCPU"
# The checkers come from Debian packages (scripts/deps.sh). The VM images of tests/vm
# (GP_TIME_SCALE > 1) do not carry them: there the check is skipped with a note.
have() {
  if eval "$1" >/dev/null 2>&1; then return 0; fi
  [ "$TIME_SCALE" != 1 ] || die "$2 is missing: scripts/deps.sh installs it"
  echo "note: $2 is not installed here: its check is skipped" >&2
  return 1
}
other=$GP_OTHER_USER
on_exit 'timeout 10 scancel -u "$other" 2>/dev/null || true'

# wait_started ID: running, and its watcher holds its lock (a run with a watcher, as in use).
wait_started() {
  wait_until 120 "job $1 to start" job_running "$1"
  wait_until 20 "the watcher of job $1" watcher_watching "$1"
}
# Every job asks for a little memory: several run side by side.
sub() { as_user sbatch --parsable --mem=32M --requeue --preempt-requeue "$@"; }

# (T) in `main` (not preemptible), one CPU, a one-minute limit; it runs while the others do.
T=$(sub -p main -n1 --time=1 -o tl.txt --wrap 'sleep 300')
wait_started "$T"
# (P) on the other CPUs, preempted by a job that needs them.
P=$(sub -p low-grace -n $((NCPU - 1)) --open-mode=append -o out.txt job.sh)
wait_started "$P"
as_user sbatch --parsable -p high -n $((NCPU - 1)) --mem=32M -o /dev/null --wrap 'sleep 2' >/dev/null
wait_requeued "$P" >/dev/null
wait_until 30 "the epilog's decisions about both runs of job $P" decided "$P" 2
grep -q "app: checkpoint written" out.txt || die "the app of job $P did not checkpoint: $(cat out.txt)"
# (C) cancelled by its user once its watcher watches; (N) and (O) complete.
C=$(sub -p low-grace -n1 -o cancel.txt --wrap 'sleep 300')
wait_started "$C"
as_user scancel "$C"
N=$(sub -p low-grace -n1 -o done.txt --wrap 'echo done')
O=$(runuser -u "$other" -- sbatch --parsable -p low-grace -n1 --mem=32M --requeue --preempt-requeue \
  -o /dev/null --chdir=/tmp --wrap true)
wait_ended "$C" 60 1
wait_ended "$N" 60 1
wait_ended "$O" 60 1
wait_ended "$T" 150 1
[ "$(field "$T" JobState)" = TIMEOUT ] || die "job $T ended $(field "$T" JobState), not TIMEOUT"
check_ledger "$P" 1
pass "jobs: preempted+requeued $P, cancelled $C, time limit $T, completed $N, $other's $O"

# The epilog made the log root's, 0640; a site lets users read it with 0644 (docs/report.md).
[ "$(stat -c '%U %a' "$AUDIT")" = "root 640" ] || die "audit log: $(stat -c '%U %a' "$AUDIT")"
as_user cat "$AUDIT" >/dev/null 2>&1 && die "$GP_TEST_USER can read the 0640 audit log"
chmod 0644 "$AUDIT"
# report ARGS: the installed tool as the test user, on this test's log, times in UTC.
report() { as_user "$REPORT" --log "$AUDIT" --utc "$@"; }
utc() { date -u -d "@$1" +%H:%M:%S; }
has() { grep -qF -- "$2" <<<"$1" || die "report of job $3 lacks '$2':"$'\n'"$1"; }
lacks() { grep -qF -- "$2" <<<"$1" && die "report of job $3 has '$2':"$'\n'"$1"; return 0; }

# (P): the deadline and grace start the app read in its notice file are the report's.
rep=$(report "$P")
echo "$rep"
notice=$(sed -n 's/.*notice_time=\([0-9]*\) .*/\1/p' out.txt | head -n1)
deadline=$(sed -n 's/.*deadline=\([0-9]*\).*/\1/p' out.txt | head -n1)
uid=$(id -u "$GP_TEST_USER")
has "$rep" "job $P (user $GP_TEST_USER, uid $uid, partition low-grace): 2 runs, requeued 1 time (cap 5)" "$P"
has "$rep" "$(utc "$notice")  grace period began (preemption): deadline $(utc "$deadline"), a $GRACE s window" "$P"
has "$rep" "notice delivered to" "$P"
has "$rep" "requeued (preempted, state " "$P"
has "$rep" "): preemption: requeue 1 of max 5" "$P"
has "$rep" "requeue delay: the next run started" "$P"
has "$rep" "not requeued (completed, state COMPLETED): completed without preemption" "$P"
lacks "$rep" "killed at the deadline" "$P"
used=$(sed -n "s/.*checkpoint window used: \([0-9]*\) s of $GRACE s\$/\1/p" <<<"$rep")
# The app checkpoints for CKPT=6 s after the notice (about 1 s after grace start).
[ -n "$used" ] && [ "$used" -ge 6 ] && [ "$used" -lt "$GRACE" ] \
  || die "job $P: checkpoint window used '$used' (want 6..$((GRACE - 1)) s of $GRACE s)"
json=$(report "$P" --json)
$PY -m json.tool <<<"$json" >/dev/null || die "--json of job $P does not parse: $json"
# The second run's start is slurmctld's StartTime of the job (the run now on record).
start2=$(date -d "$(field "$P" StartTime)" +%s)
# The notice's latency bound: as notice_latency's.
lim=$((2 * TIME_SCALE))
# run_start is when the batch step started, StartTime when slurmctld allocated: 3 s apart once
# under emulation.
$PY - "$json" "$notice" "$deadline" "$used" "$start2" "$lim" "$((2 * TIME_SCALE))" <<'PY' || die "--json of job $P: $json"
import json, sys
j = json.loads(sys.argv[1]); notice, deadline, used, start2, lim, tol = map(int, sys.argv[2:])
r1, r2 = j["runs"]
assert (r1["grace_start"], r1["deadline"], r1["window_used"]) == (notice, deadline, used), r1
assert r1["window_end"] == "exited_before_deadline" and r1["cause"] == "preemption", r1
assert r1["event"] == "requeue" and r1["notice_latency"] is not None and r1["notice_latency"] <= lim, r1
assert r1["requeue_delay"] == r2["run_start"] - r1["decided"] >= 0, r1
assert abs(r2["run_start"] - start2) <= tol, (r2, start2)
assert r2["restart_count"] == 1 and r2["event"] == "no-requeue" and r2["cause"] == "completed", r2
assert r2["grace_start"] is None and r2["window_end"] == "none", r2
PY
pass "job $P: grace start, deadline, window used ${used} s of ${GRACE} s, requeue and its delay, as the app and slurmctld saw them"

# (C), (T), (N): one run each, not requeued, no grace window.
one_run() {
  local id=$1 part=$2 line=$3 rep
  rep=$(report "$id")
  echo "$rep"
  has "$rep" "job $id (user $GP_TEST_USER, uid $uid, partition $part): 1 run, requeued 0 times" "$id"
  has "$rep" "$line" "$id"
  lacks "$rep" "grace period began" "$id"
  lacks "$rep" "checkpoint window" "$id"
  lacks "$rep" "notice delivered" "$id"
}
one_run "$C" low-grace "not requeued (cancelled, state CANCELLED): cancelled by a user"
one_run "$T" main "not requeued (time limit, state TIMEOUT): time limit reached"
one_run "$N" low-grace "not requeued (completed, state COMPLETED): completed without preemption"
has "$(report "$N")" "batch script ended (exit status 0)" "$N"
for j in "$C" "$T" "$N"; do
  report "$j" --json | $PY -m json.tool >/dev/null || die "--json of job $j does not parse"
done
pass "jobs $C, $T, $N: cancelled, time limit, completed; not requeued, no grace window"

# Another user's job: refused with exit status 4; root sees it.
rc=0; err=$(report "$O" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 4 ] || die "$GP_TEST_USER reading $other's job $O: exit $rc ($err), want 4"
grep -q "only root or the owner of the audit log may see another user's job" <<<"$err" || die "refusal: $err"
rep=$("$REPORT" --log "$AUDIT" "$O") && grep -qF "job $O (user $other," <<<"$rep" || die "root cannot read job $O"
pass "$GP_TEST_USER cannot read $other's job (exit 4); root can"

# --summary as the user counts the user's runs only: P twice, C, N in low-grace; T in main.
table=$(report --summary)
echo "$table"
# RUNS PREEMPTED NOTICES, then from the right (LATENCY is "-" or "A s / B s"): IN TIME KILLED
# REQUEUES CAPS.
row() {
  awk -v p="$1" -v u="$2" '$1 == p && $2 == u {print $3, $4, $5, $(NF-4), $(NF-3), $(NF-2), $(NF-1)}' <<<"$table"
}
[ "$(row low-grace "$GP_TEST_USER")" = "4 1 1 1 0 1 0" ] || die "summary row low-grace: $(row low-grace "$GP_TEST_USER")"
[ "$(row main "$GP_TEST_USER")" = "1 0 0 0 0 0 0" ] || die "summary row main: $(row main "$GP_TEST_USER")"
[ "$(row all all)" = "5 1 1 1 0 1 0" ] || die "summary row all: $(row all all)"
grep -q "$other" <<<"$table" && die "the user's summary shows $other's runs"
report --summary --json | $PY -c '
import json, sys
t = json.load(sys.stdin)["total"]
want = dict(runs=5, preemptions=1, notices=1, exited_before_deadline=1, killed_at_deadline=0,
            requeues=1, caps=0, refusals=0, errors=0)
got = {k: t[k] for k in want}
assert got == want, got
assert t["notice_latency_seconds"]["count"] == 1 and sum(t["window_used_tenths"]) == 1, t
' || die "summary --json: $(report --summary --json)"
pass "--summary: 5 runs, 1 preemption, 1 notice, 1 in time, 1 requeue; $other's not shown"

# Metrics, as root (the cron line's user): every user's runs.
"$REPORT" --log "$AUDIT" --summary --openmetrics > metrics.om
"$REPORT" --log "$AUDIT" --summary --prometheus > metrics.prom
if have "$PY -c 'import prometheus_client.openmetrics.parser'" python3-prometheus-client; then
  $PY - metrics.om "$GP_TEST_USER" "$other" <<'PY' || die "OpenMetrics parser: $(cat metrics.om)"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
me, other = sys.argv[2], sys.argv[3]
samples = {}
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        samples[(s.name, s.labels.get("partition"), s.labels.get("user"))] = s.value
def v(name, part, user): return samples.get((name, part, user))
assert v("gracepack_runs_total", "low-grace", me) == 4, samples
assert v("gracepack_runs_total", "main", me) == 1, samples
assert v("gracepack_runs_total", "low-grace", other) == 1, samples
assert v("gracepack_preemptions_total", "low-grace", me) == 1, samples
assert v("gracepack_requeues_total", "low-grace", me) == 1, samples
assert v("gracepack_exited_before_deadline_total", "low-grace", me) == 1, samples
assert v("gracepack_notice_latency_seconds_count", "low-grace", me) == 1, samples
PY
  pass "--openmetrics: accepted by prometheus_client's OpenMetrics parser, counters as the summary's"
fi
if have "command -v promtool" "promtool (Debian's prometheus)"; then
  out=$(promtool check metrics < metrics.prom 2>&1) || die "promtool check metrics: $out"
  [ -z "$out" ] || die "promtool check metrics remarks: $out"
  grep -q "^gracepack_requeues_total{partition=\"low-grace\",user=\"$GP_TEST_USER\"} 1$" metrics.prom \
    || die "--prometheus: $(cat metrics.prom)"
  pass "--prometheus: promtool check metrics accepts it without a remark"
fi

# SVG: the timeline of P and the summary's histogram render to PNG images of some substance.
report "$P" --svg "$WORK/timeline.svg" >/dev/null
report --summary --svg "$WORK/histogram.svg" >/dev/null
if have "command -v rsvg-convert" "rsvg-convert (librsvg2-bin)"; then
  for f in timeline histogram; do
    rsvg-convert -o "$f.png" "$f.svg" || die "rsvg-convert refused $f.svg"
    # A PNG: its signature, then IHDR's width and height (big-endian, bytes 16-23).
    read -r w h < <($PY -c '
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
print(*struct.unpack(">II", d[16:24]))' "$f.png") || die "$f.png is not a PNG"
    size=$(stat -c %s "$f.png")
    [ "$w" -ge 300 ] && [ "$h" -ge 100 ] && [ "$size" -ge 2000 ] || die "$f.png: ${w}x${h}, $size bytes"
    echo "$f.png: ${w}x${h}, $size bytes"
  done
  pass "--svg: the timeline and the histogram render to PNG"
fi

# Issue 16 item 12: root's report (a cron job) neither writes through a link planted where its
# --svg goes nor blocks on a FIFO given as --log; item 6: a record's control bytes arrive as text.
echo "root's file" > "$WORK/root-only"; chmod 600 "$WORK/root-only"
ln -s "$WORK/root-only" "$WORK/planted.svg"
"$REPORT" --log "$AUDIT" "$P" --svg "$WORK/planted.svg" >/dev/null 2>&1 && die "--svg wrote over a link"
[ "$(cat "$WORK/root-only")" = "root's file" ] || die "--svg wrote through a link"
mkfifo "$WORK/fifo.log"
rc=0
out=$(timeout 10 "$REPORT" --log "$WORK/fifo.log" --summary 2>&1) || rc=$?
[ "$rc" != 124 ] || die "--log on a FIFO blocked"
grep -q "not a regular file" <<<"$out" || die "--log on a FIFO: $out"
printf '%s\n' '{"time":5,"event":"no-requeue","job_id":999999,"uid":0,"user":"root","partition":"p","state":"COMPLETED","cause":"completion","preempt_time":0,"end_time":5,"restart_count":0,"decision":"not requeued","reason":"x\u001b[2K\rjob 999999: requeued"}' > "$WORK/esc.log"
out=$("$REPORT" --log "$WORK/esc.log" --utc 999999)
grep -q $'\e' <<<"$out" && die "the report printed an ESC: $(cat -v <<<"$out")"
grep -qF 'x\x1b[2K\x0djob 999999: requeued' <<<"$out" || die "the record's bytes are not shown as text: $out"
pass "--svg never writes through a link, --log refuses a FIFO at once, control bytes are printed as text"
