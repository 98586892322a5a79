#!/usr/bin/env bash
# Form submissions over HTTP: POST /v1/collect/{point} against GET /healthz of the same daemon.
#
# usage: bench/collect_bench.sh
#
# Starts privacyd (empty data dir, the example policy, access log off) on a free loopback port
# and runs, one after the other with the same wrk settings:
#   1. GET /healthz (the baseline: what the HTTP layer alone does on this machine now);
#   2. bench/collect_forms.lua: varied web-form submissions to five collection points, JSON and
#      plain form posts, free text scanned by the guard, one in ten a returning person;
#   3. the same submissions at fewer connections, for latency below saturation.
# Every 201 is a durable commit (synchronous=FULL, group commit); afterwards the script counts
# the collection entries of the audit trail and checks that each 201 has its row.
#
# Environment:
#   BENCH_DURATION     seconds of load per run (default 10)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections of runs 1 and 2 (default 64)
#   BENCH_LOW_CONNECTIONS  wrk connections of run 3 (default 8)
#   PRIVACYD_BIN       daemon binary (default build/release/privacyd)
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
LOW_CONNECTIONS="${BENCH_LOW_CONNECTIONS:-8}"
PRIVACYD_BIN="${PRIVACYD_BIN:-$ROOT/build/release/privacyd}"
SCRIPT="$ROOT/bench/collect_forms.lua"

case "${1:-}" in
  "") ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0" >&2
    exit 2
    ;;
esac

die() { printf 'collect_bench: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

command -v wrk >/dev/null || die "wrk not found (./dev deps installs it)"
command -v sqlite3 >/dev/null || die "sqlite3 not found (./dev deps installs it)"
[[ -x $PRIVACYD_BIN ]] || die "$PRIVACYD_BIN not found: build it first (./dev build release)"

WORK="$(mktemp -d -t privacyd-collect-bench.XXXXXX)"
PID=""
cleanup() {
  if [[ -n $PID ]] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -m 700 "$WORK/data"
PRIVACYD_LOG_ACCESS=false "$PRIVACYD_BIN" serve --listen "127.0.0.1:$PORT" --data "$WORK/data" \
  >"$WORK/privacyd.log" 2>&1 &
PID=$!
for ((i = 0; i < 600; i++)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/privacyd.log" >&2; die "privacyd exited"; }
  sleep 0.05
done
sleep 0.5

declare -A RPS P50 P99 STATUSES
run() {  # name connections url [script]
  local name="$1" c="$2" url="$3" out
  local args=(-t"$THREADS" -c"$c" -d"${DURATION}s" --latency)
  [[ $# -ge 4 ]] && args+=(-s "$4")
  log "wrk ${args[*]} $url   ($name)"
  out="$(wrk "${args[@]}" "$url")"
  printf '%s\n' "$out"
  RPS[$name]="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  P50[$name]="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  P99[$name]="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  STATUSES[$name]="$(awk '/^statuses:/ {$1 = ""; print substr($0, 2)}' <<<"$out")"
  [[ -n ${RPS[$name]} ]] || die "could not read Requests/sec from wrk's output for $name"
}

run healthz "$CONNECTIONS" "http://127.0.0.1:$PORT/healthz"
run collect "$CONNECTIONS" "http://127.0.0.1:$PORT" "$SCRIPT"
run "collect-c$LOW_CONNECTIONS" "$LOW_CONNECTIONS" "http://127.0.0.1:$PORT" "$SCRIPT"
kill -0 "$PID" 2>/dev/null || die "privacyd exited during the load"

# Every 201 must have its durable row: count them while the daemon still runs. There may be a
# few more rows than 201s that wrk counted: requests in flight when a run stops are committed
# by the daemon, but their answers are not read.
created=0
for name in collect "collect-c$LOW_CONNECTIONS"; do
  n="$(grep -o '201=[0-9]*' <<<"${STATUSES[$name]}" | cut -d= -f2 || true)"
  created=$((created + ${n:-0}))
done
rows="$(sqlite3 "file:$WORK/data/privacyd.db?mode=ro" \
  "SELECT COUNT(*) FROM audit WHERE action = 'subject.collect'")"
subjects="$(sqlite3 "file:$WORK/data/privacyd.db?mode=ro" "SELECT COUNT(*) FROM subjects")"

echo
echo "wrk -t$THREADS -d${DURATION}s, $(nproc) cores"
printf '%-14s %12s %10s %10s %12s  %s\n' run connections "requests/s" p50 p99 statuses
printf '%-14s %12s %10s %10s %12s  %s\n' "GET /healthz" "$CONNECTIONS" "${RPS[healthz]}" \
  "${P50[healthz]}" "${P99[healthz]}" ""
printf '%-14s %12s %10s %10s %12s  %s\n' "POST collect" "$CONNECTIONS" "${RPS[collect]}" \
  "${P50[collect]}" "${P99[collect]}" "${STATUSES[collect]}"
low="collect-c$LOW_CONNECTIONS"
printf '%-14s %12s %10s %10s %12s  %s\n' "POST collect" "$LOW_CONNECTIONS" "${RPS[$low]}" \
  "${P50[$low]}" "${P99[$low]}" "${STATUSES[$low]}"
echo "201 answers: $created; collection entries in the audit trail: $rows; subjects: $subjects"
[[ $created -le $rows ]] || die "every 201 must have its durable row ($created answers, $rows rows)"
