#!/usr/bin/env bash
# The senders' consent check over HTTP (POST /v1/consent/check) against a store of many
# subjects, beside GET /healthz of the same daemon.
#
# usage: bench/consent_http.sh
#
# 1. privacyd_consent_bench --load_only builds a data directory of PRIVACYD_CONSENT_SUBJECTS
#    subjects (the store of bench/consent_bench.cc, under the data directory's own master key,
#    so the daemon's blind indexes match) and writes its check list of
#    PRIVACYD_CONSENT_IDENTITIES identities;
# 2. unless BENCH_CONSENT_INPROCESS=0, the in-process check of the whole list on that directory
#    (BM_Check1M, one and two threads), before the daemon starts, for comparison;
# 3. a marketing user and its token (privacyd user add / token create), then privacyd serve on
#    a free loopback port (access log off), and the wait until its in-memory consent index is
#    built (the build time and the index's size are printed);
# 4. wrk, one after the other, at BENCH_CONNECTIONS and at BENCH_LOW_CONNECTIONS connections:
#    GET /healthz (the baseline: what the HTTP layer alone does on this machine now), then
#    bench/consent_check.lua: one identity per request, drawn from the first 100,000 of the list;
# 5. bench/consent_batch.py: the whole list in requests of 100,000, first with an unknown topic
#    (the baseline: read and parsed, then refused before the store), then checked one request at
#    a time and two at a time; it checks that every identity got an answer.
# The daemon's resident set (VmRSS, and its peak VmHWM) is printed after each step.
#
# Environment:
#   PRIVACYD_CONSENT_SUBJECTS    subjects in the store (default 1000000)
#   PRIVACYD_CONSENT_IDENTITIES  identities of the big check (default 1000000)
#   BENCH_CONSENT_CACHE    a directory to keep the built data directory in between runs; each
#                          run copies it (default: built afresh in the temp dir each run)
#   BENCH_CONSENT_INPROCESS  0 to skip step 2 (default 1)
#   BENCH_CONSENT_SINGLE   0 to skip step 4, so that the first big check is the first request
#                          after the start (default 1)
#   BENCH_DURATION         seconds of load per wrk run (default 10)
#   BENCH_THREADS          wrk threads (default 2)
#   BENCH_CONNECTIONS      wrk connections of the first pair of runs (default 64)
#   BENCH_LOW_CONNECTIONS  wrk connections of the second pair (default 8)
#   BENCH_CONSENT_PARALLEL how many big requests at a time, each a run of step 5 (default "1 2")
#   PRIVACYD_BIN           daemon binary (default build/release/privacyd)
#   CONSENT_BENCH_BIN      loader (default build/release/bench/privacyd_consent_bench)
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUBJECTS="${PRIVACYD_CONSENT_SUBJECTS:-1000000}"
IDENTITIES="${PRIVACYD_CONSENT_IDENTITIES:-1000000}"
INPROCESS="${BENCH_CONSENT_INPROCESS:-1}"
SINGLE="${BENCH_CONSENT_SINGLE:-1}"
DURATION="${BENCH_DURATION:-10}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
LOW_CONNECTIONS="${BENCH_LOW_CONNECTIONS:-8}"
PRIVACYD_BIN="${PRIVACYD_BIN:-$ROOT/build/release/privacyd}"
CONSENT_BENCH_BIN="${CONSENT_BENCH_BIN:-$ROOT/build/release/bench/privacyd_consent_bench}"
SCRIPT="$ROOT/bench/consent_check.lua"
PASSWORD="bench-consent-password"

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

die() { printf 'consent_http: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt 0 ]] || die "BENCH_DURATION must be a positive integer"
command -v wrk >/dev/null || die "wrk not found (./dev deps installs it)"
command -v curl >/dev/null || die "curl not found"
[[ -x $PRIVACYD_BIN ]] || die "$PRIVACYD_BIN not found: build it first (./dev build release)"
[[ -x $CONSENT_BENCH_BIN ]] || die "$CONSENT_BENCH_BIN not found: build the release preset"

WORK="$(mktemp -d -t privacyd-consent-bench.XXXXXX)"
DATA="$WORK/data"
LIST="$WORK/identities.txt"
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

echo "load: $(uptime)"
export PRIVACYD_CONSENT_SUBJECTS="$SUBJECTS" PRIVACYD_CONSENT_IDENTITIES="$IDENTITIES"
started_ns=$(date +%s%N)
if [[ -n ${BENCH_CONSENT_CACHE:-} ]]; then
  log "data directory of $SUBJECTS subjects in $BENCH_CONSENT_CACHE (built once, then copied)"
  "$CONSENT_BENCH_BIN" --data_dir="$BENCH_CONSENT_CACHE" --load_only --write_identities="$LIST"
  cp -a "$BENCH_CONSENT_CACHE" "$DATA"
else
  log "building a data directory of $SUBJECTS subjects"
  "$CONSENT_BENCH_BIN" --data_dir="$DATA" --load_only --write_identities="$LIST"
fi
chmod 700 "$DATA"
printf 'data directory ready in %d s: %s MB on disk\n' \
  "$((($(date +%s%N) - started_ns) / 1000000000))" "$(du -sm "$DATA" | cut -f1)"

if [[ $INPROCESS != 0 ]]; then
  log "in-process: ConsentLedger::Check of $IDENTITIES identities on this data directory"
  "$CONSENT_BENCH_BIN" --data_dir="$DATA" --benchmark_filter='^BM_Check1M/'
fi

"$PRIVACYD_BIN" user add bench --role marketing --password-stdin --data "$DATA" \
  <<<"$PASSWORD" >/dev/null
TOKEN="$("$PRIVACYD_BIN" token create --user bench --data "$DATA" 2>/dev/null | tail -n 1)"
[[ -n $TOKEN ]] || die "no token"

PORT="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
PRIVACYD_LOG_ACCESS=false "$PRIVACYD_BIN" serve --listen "127.0.0.1:$PORT" --data "$DATA" \
  >"$WORK/privacyd.log" 2>&1 &
PID=$!
for ((i = 0; i < 600; i++)); do
  if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/privacyd.log" >&2; die "privacyd exited"; }
  sleep 0.05
done
# The daemon answers at once, from the store, while it builds the in-memory consent index in
# the background; the figures below are of the index, so wait for it.
index_ns=$(date +%s%N)
for ((i = 0; i < 1200; i++)); do
  if curl -fs "http://127.0.0.1:$PORT/metrics" | grep -qx 'privacyd_consent_index_ready 1'; then
    break
  fi
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/privacyd.log" >&2; die "privacyd exited"; }
  sleep 0.05
done
curl -fs "http://127.0.0.1:$PORT/metrics" | grep -qx 'privacyd_consent_index_ready 1' ||
  die "the consent index was not ready within a minute"
printf 'consent index ready %d ms after /readyz: %s\n' "$((($(date +%s%N) - index_ns) / 1000000))" \
  "$(curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^privacyd_consent_index_(subjects|bytes) ' | tr '\n' ' ')"
sleep 0.5

memory() {  # label
  printf '%-40s VmRSS %6d MB, VmHWM (peak) %6d MB\n' "privacyd after $1:" \
    "$(awk '/^VmRSS:/ {print int($2 / 1000)}' "/proc/$PID/status")" \
    "$(awk '/^VmHWM:/ {print int($2 / 1000)}' "/proc/$PID/status")"
}
memory "start"

# One identity: the answer must say it was checked.
out="$(curl -fsS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"topic\":\"newsletter\",\"identities\":[\"$(head -n 1 "$LIST")\"]}" \
  "http://127.0.0.1:$PORT/v1/consent/check")" || die "the check does not answer 200"
grep -q '"checked":1' <<<"$out" || die "unexpected answer: $out"

# CPU time (user + system) the daemon has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TICKS="$(getconf CLK_TCK)"

declare -A RPS P50 P99 STATUSES CPU_US
run() {  # name connections url [script args...]
  local name="$1" c="$2" url="$3" out ticks
  shift 3
  ticks="$(cpu_ticks)"
  local args=(-t"$THREADS" -c"$c" -d"${DURATION}s" --latency)
  [[ $# -ge 1 ]] && args+=(-s "$1") && shift
  log "wrk ${args[*]} $url   ($name)"
  if [[ $# -ge 1 ]]; then
    out="$(wrk "${args[@]}" "$url" -- "$@")"
  else
    out="$(wrk "${args[@]}" "$url")"
  fi
  printf '%s\n' "$out"
  RPS[$name]="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  P50[$name]="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  P99[$name]="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  STATUSES[$name]="$(awk '/^statuses:/ {$1 = ""; print substr($0, 2)}' <<<"$out")"
  [[ -n ${RPS[$name]} ]] || die "could not read Requests/sec from wrk's output for $name"
  # The daemon's CPU time per request (requests in flight when wrk stops are not counted).
  CPU_US[$name]="$(awk -v t="$(($(cpu_ticks) - ticks))" -v hz="$TICKS" \
    '/ requests in / {printf "%.0f", t / hz * 1e6 / $1}' <<<"$out")"
}

rc=0
if [[ $SINGLE != 0 ]]; then
  for c in "$CONNECTIONS" "$LOW_CONNECTIONS"; do
    run "healthz-$c" "$c" "http://127.0.0.1:$PORT/healthz"
    run "check-$c" "$c" "http://127.0.0.1:$PORT" "$SCRIPT" "$TOKEN" "$LIST"
  done
  kill -0 "$PID" 2>/dev/null || die "privacyd exited during the load"
  memory "single-identity checks"

  echo
  echo "wrk -t$THREADS -d${DURATION}s, $(nproc) cores, $SUBJECTS subjects"
  printf '%-22s %12s %10s %10s %10s %12s  %s\n' run connections "requests/s" p50 p99 \
    "daemon CPU" statuses
  for c in "$CONNECTIONS" "$LOW_CONNECTIONS"; do
    printf '%-22s %12s %10s %10s %10s %9s us  %s\n' "GET /healthz" "$c" "${RPS[healthz-$c]}" \
      "${P50[healthz-$c]}" "${P99[healthz-$c]}" "${CPU_US[healthz-$c]}" ""
    printf '%-22s %12s %10s %10s %10s %9s us  %s\n' "POST check, 1 identity" "$c" \
      "${RPS[check-$c]}" "${P50[check-$c]}" "${P99[check-$c]}" "${CPU_US[check-$c]}" \
      "${STATUSES[check-$c]}"
  done
  echo "(daemon CPU: user + system time of privacyd per request answered)"
  for c in "$CONNECTIONS" "$LOW_CONNECTIONS"; do
    [[ ${STATUSES[check-$c]} =~ ^200=[0-9]+$ ]] || { echo "non-200 answers at c=$c" >&2; rc=1; }
  done
fi

echo
log "bench/consent_batch.py: $IDENTITIES identities in requests of 100,000"
/usr/bin/python3 "$ROOT/bench/consent_batch.py" --pid "$PID" ${BENCH_CONSENT_PARALLEL:+$(printf -- "--parallel %s " $BENCH_CONSENT_PARALLEL)} \
    "$PORT" "$TOKEN" "$LIST" || rc=1
kill -0 "$PID" 2>/dev/null || die "privacyd exited during the big checks"

memory "big checks"
echo "load: $(uptime)"
exit "$rc"
