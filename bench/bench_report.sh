#!/usr/bin/env bash
# gracepack-report's throughput and memory on a generated audit log (docs/benchmarks.md).
#   bench/bench_report.sh [REPORT_BINARY]
#   BENCH_REPORT_MB=1024  size of the big log; a log a tenth of its size is read too, to show
#                         that the memory does not grow with the file
#   BENCH_REPORT_DIR=/tmp where the logs go (removed afterwards unless BENCH_REPORT_KEEP=1)
#   BENCH_REPORT_LOST=1   the decisions of preempted runs carry issue 19's fields (allocation,
#                         checkpoints, work lost, grace handed back); 0: the records of before
# Needs /usr/bin/time (Debian package "time"), awk and jq. No Slurm, no root.
#
# The log is what a busy cluster's epilogs write: 50 users on 4 partitions; 60 % of runs
# complete, 25 % are preempted (a notice, then a requeue, or a cap once the job has restarted 3
# times; a third of them are killed at the deadline), the rest are cancelled, time out, fail, are
# refused or meet an error; 1 run in 50 carries an "ignored" note, 1 line in 100000 is cut short.
# With the fields (in the order the epilog writes them), each preempted run has 1-4 nodes, 8-64 CPUs and 0-8 GPUs per node; 40 % never
# acknowledged a checkpoint (1 in 20 of those with a note on the file), the others did before
# grace start, and half of those that ended in time again inside the window (3 in 10 of these
# handed the rest of their grace back). The generator sums the fields as it writes them; the
# script checks that --summary --json gives the same sums.
set -euo pipefail
cd "$(dirname "$0")/.."
REPORT=${1:-build/gracepack-report}
MB=${BENCH_REPORT_MB:-1024}
DIR=${BENCH_REPORT_DIR:-/tmp}
LOST=${BENCH_REPORT_LOST:-1}
BIG=$DIR/gracepack-bench-audit.jsonl
SMALL=$DIR/gracepack-bench-audit-small.jsonl
[ -x "$REPORT" ] || { echo "bench_report.sh: build $REPORT first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_report.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench_report.sh: needs jq" >&2; exit 1; }
[ "${BENCH_REPORT_KEEP:-0}" = 1 ] || trap 'rm -f "$BIG" "$SMALL" "$BIG.sums" "$SMALL.sums"' EXIT

# Writes records until the file holds $1 MiB, and the sums of issue 19's fields into $2.sums (as
# JSON, named as in the summary's "total"). One awk process: 5 to 15 s per GiB.
generate() {
  awk -v limit=$(( $1 * 1024 * 1024 )) -v lost_fields="$LOST" -v sums="$2.sums" 'BEGIN {
    srand(42); t = 1790000000; job = 1000; bytes = 0; n = 0
    split("low-grace low gpu-low debug", parts, " ")
    while (bytes < limit) {
      job++; t += 1
      u = int(rand() * 50); user = "user" u; uid = 2000 + u; part = parts[1 + int(rand() * 4)]
      restarts = int(rand() * 5); start = t - 600 - int(rand() * 86400)
      head = sprintf("{\"time\":%d,\"event\":\"%%s\",\"job_id\":%d,\"uid\":%d,\"user\":\"%s\",\"partition\":\"%s\",", t, job, uid, user, part)
      r = rand()
      if (rand() < 0.02) emit(sprintf(head, "ignored") sprintf("\"state\":\"RUNNING\",\"cause\":\"running\",\"preempt_time\":0,\"end_time\":0,\"restart_count\":%d,\"run_start\":%d,\"decision\":\"ignored\",\"reason\":\"the watcher'"'"'s status file: not a regular file\"}", restarts, start))
      if (r < 0.25) preempted(head, restarts, start)
      else if (r < 0.85) plain(head, "no-requeue", "COMPLETED", "completed", restarts, start, 0, "completed without preemption")
      else if (r < 0.90) plain(head, "no-requeue", "CANCELLED", "cancelled", restarts, start, 15, "cancelled by a user")
      else if (r < 0.95) plain(head, "no-requeue", "TIMEOUT", "time_limit", restarts, start, 9, "time limit reached (add '"'"'timelimit'"'"' to --preempt-requeue to requeue then)")
      else if (r < 0.98) plain(head, "no-requeue", "FAILED", "failed", restarts, start, 256, "failed without preemption")
      else if (r < 0.99) plain(head, "refused", "PREEMPTED", "preemption", restarts, start, 9, "the job cannot be requeued (submitted with --no-requeue, or JobRequeue=0 without --requeue): submit with --requeue")
      else plain(head, "error", "RUNNING", "running", restarts, start, 0, "cannot read the job from slurmctld: Socket timed out on send/recv operation (slurmctld did not answer at first; 3 retries)")
      if (n % 100000 == 99999) emit(substr(sprintf(head, "requeue"), 1, 60))
    }
    printf "{\"acknowledged\":%d,\"lost_none\":%d,\"lost_since_checkpoint\":%d,\"lost_unknown\":%d,\"lost_seconds\":%.0f,\"lost_gpu_seconds\":%.0f,\"lost_cpu_seconds\":%.0f,\"lost_at_most_seconds\":%.0f,\"grace_returned\":%d,\"grace_returned_seconds\":%.0f}\n", n_ack, n_none, n_since, n_unknown, s_lost, s_gpu, s_cpu, s_most, n_ret, s_ret > sums
  }
  function emit(line) { print line; bytes += length(line) + 1; n++ }
  function times(start, ended, status) {
    return sprintf("\"start_time\":%d,\"run_start\":%d,\"script_exit\":%d,\"script_status\":%d,", start, start, ended, status)
  }
  function plain(head, event, state, cause, restarts, start, status, reason,   ended) {
    ended = t - 1
    emit(sprintf(head, event) sprintf("\"state\":\"%s\",\"cause\":\"%s\",\"preempt_time\":0,\"end_time\":%d,\"restart_count\":%d,", state, cause, ended, restarts) times(start, ended, status) sprintf("\"decision\":\"not requeued\",\"reason\":\"%s\"}", reason))
  }
  # Issue 19: what the epilog adds to the decision of a preempted run; may end the run earlier
  # (grace handed back): sets `ended` and `status`.
  function lost(start, preempt, deadline, killed,   nodes, cpus, gpus, f, ack, win, gone, ret) {
    nodes = 1 + int(rand() * 4); cpus = nodes * 8 * (1 + int(rand() * 8)); gpus = nodes * int(rand() * 9)
    f = sprintf("\"alloc_nodes\":%d,\"alloc_cpus\":%d,\"alloc_gpus\":%d,\"alloc_gpu_types\":\"%s\",\"grace_start\":%d,", nodes, cpus, gpus, gpus ? (rand() < 0.5 ? "a100:" : "h100:") gpus : "", preempt)
    if (rand() < 0.4) {
      n_unknown++; s_most += preempt - start
      if (rand() < 0.05) f = f "\"checkpoint_note\":\"a FIFO: not read\","
      return f sprintf("\"lost\":\"unknown\",\"lost_at_most_seconds\":%d,", preempt - start)
    }
    n_ack++
    ack = preempt - int(rand() * (preempt - start))
    f = f sprintf("\"checkpoint\":%d,\"checkpoint_label\":\"step %d\",", ack, int(rand() * 100000))
    if (killed || rand() < 0.5) {
      n_since++; gone = preempt - ack; s_lost += gone; s_gpu += gone * gpus; s_cpu += gone * cpus
      return f sprintf("\"lost\":\"since_checkpoint\",\"lost_seconds\":%d,\"lost_gpu_seconds\":%d,\"lost_cpu_seconds\":%d,", gone, gone * gpus, gone * cpus)
    }
    n_none++
    win = preempt + int(rand() * (ended - preempt + 1))
    f = f sprintf("\"checkpoint_in_window\":%d,\"lost\":\"none\",\"lost_seconds\":0,\"lost_gpu_seconds\":0,\"lost_cpu_seconds\":0,", win)
    if (rand() < 0.3) {
      ret = deadline - win; n_ret++; s_ret += ret; ended = win; status = 15
      f = f sprintf("\"grace_returned_seconds\":%d,", ret)
    }
    return f
  }
  function preempted(head, restarts, start,   preempt, deadline, killed, state, rest, extra) {
    preempt = t - 20; deadline = preempt + 15; killed = rand() < 0.33
    ended = killed ? deadline : preempt + 1 + int(rand() * 13); status = killed ? 9 : 0
    extra = lost_fields ? lost(start, preempt, deadline, killed) : ""
    state = killed ? "PREEMPTED" : "COMPLETED"
    rest = sprintf("\"state\":\"%s\",\"cause\":\"preemption\",\"preempt_time\":%d,\"end_time\":%d,\"restart_count\":%d,", state, preempt, deadline, restarts)
    emit(sprintf(head, "notice") rest sprintf("\"start_time\":%d,\"notice_delivered\":%d,\"processes_signalled\":%d,", start, preempt + int(rand() * 1.3), 1 + int(rand() * 8)) sprintf("\"run_start\":%d,\"script_exit\":%d,\"script_status\":%d,", start, ended, status) "\"decision\":\"notified\",\"reason\":\"grace period started; the job'"'"'s processes were signalled\"}")
    if (restarts < 3) emit(sprintf(head, "requeue") rest times(start, ended, status) extra sprintf("\"decision\":\"requeued\",\"reason\":\"preemption: requeue %d of max 3\"}", restarts + 1))
    else emit(sprintf(head, "cap") rest times(start, ended, status) extra sprintf("\"decision\":\"not requeued\",\"reason\":\"requeue cap reached: the job has restarted %d times, max 3\"}", restarts))
  }' > "$2"
}

# Three timed runs: prints the median wall time in seconds and the largest max RSS in KiB.
measure() {
  local walls=() rss=0
  for _ in 1 2 3; do
    local out w r
    out=$(/usr/bin/time -v "$REPORT" "$@" 2>&1 >/dev/null | tail -n 30)
    w=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' <<<"$out")
    r=$(sed -n 's/.*Maximum resident set size (kbytes): //p' <<<"$out")
    walls+=("$(awk -v w="$w" 'BEGIN { n = split(w, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }')")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n 2p) $rss"
}

echo "generating $MB MiB and $((MB / 10)) MiB logs in $DIR (issue 19's fields: $LOST) ..."
s=$(date +%s); generate "$MB" "$BIG"; generate $((MB / 10)) "$SMALL"; e=$(date +%s)
lines=$(wc -l <"$BIG"); bytes=$(stat -c %s "$BIG")
echo "generated in $((e - s)) s: $BIG, $bytes bytes, $lines lines"
cat "$BIG" >/dev/null  # the page cache holds it for every run below: this measures the reader

printf '%-58s %10s %14s\n' "run" "wall s" "max RSS KiB"
row() { local wall rss; read -r wall rss <<<"$2"; printf '%-58s %10s %14s\n' "$1" "$wall" "$rss"; }
row "--summary, $((MB / 10)) MiB log" "$(measure --summary --log "$SMALL")"
row "--summary, $MB MiB log ($lines lines)" "$(measure --summary --log "$BIG")"
row "--summary --openmetrics, $MB MiB log" "$(measure --summary --openmetrics --log "$BIG")"
row "--summary --json --user user7 --partition low, $MB MiB" "$(measure --summary --json --user user7 --partition low --log "$BIG")"
row "JOBID (one job), $MB MiB log" "$(measure 1500 --log "$BIG")"
row "--summary, the two logs as two --log files" "$(measure --summary --log "$BIG" --log "$SMALL")"

# The summary's sums are the records' own: the same as the generator's, to the unit.
if [ "$LOST" = 1 ]; then
  for log in "$BIG" "$SMALL"; do
    got=$("$REPORT" --summary --json --log "$log" 2>/dev/null | jq -c --argjson want "$(cat "$log.sums")" '.total | with_entries(select(.key as $k | $want | has($k)))')
    [ "$(jq -S . <<<"$got")" = "$(jq -S . "$log.sums")" ] || { echo "bench_report.sh: $log: the summary's sums $got, the generator's $(cat "$log.sums")" >&2; exit 1; }
  done
  echo "sums of the issue 19 fields, as --summary --json gives them and as generated (equal): $(cat "$BIG.sums")"
fi
