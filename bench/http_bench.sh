#!/usr/bin/env bash
# GET /healthz throughput: privacyd against nginx serving a byte-identical static body.
#
# usage: bench/http_bench.sh [--nginx-only]
#
# Starts nginx (Debian's binary, as the current user, 2 workers, no access log) and privacyd
# (empty data dir, access log off) on free loopback ports, measures privacyd's start-to-ready
# time and idle RSS, then runs the same wrk load against both and prints requests/s and the
# ratio. Everything started here is stopped on exit.
#
# Environment:
#   BENCH_DURATION     seconds of load per server (default 10)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 64)
#   PRIVACYD_BIN       daemon binary (default build/release/privacyd)
#   NGINX_BIN          nginx binary (default: nginx on PATH, else /usr/sbin/nginx)
set -euo pipefail
export LC_ALL=C

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-10}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
PRIVACYD_BIN="${PRIVACYD_BIN:-$ROOT/build/release/privacyd}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
HEALTHZ_BODY='{"status":"ok"}'
READY_TIMEOUT_S=30

NGINX_ONLY=0
case "${1:-}" in
  "") ;;
  --nginx-only) NGINX_ONLY=1 ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0 [--nginx-only]" >&2
    exit 2
    ;;
esac

die() { printf 'http_bench: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt 0 ]] || die "BENCH_DURATION must be a positive integer"
command -v wrk >/dev/null || die "wrk not found (./dev deps installs it)"
[[ -x $NGINX_BIN ]] || die "nginx not found (./dev deps installs nginx-light)"
if [[ $NGINX_ONLY -eq 0 && ! -x $PRIVACYD_BIN ]]; then
  die "$PRIVACYD_BIN not found: build it first (./dev build release), or pass --nginx-only"
fi

WORK="$(mktemp -d -t privacyd-http-bench.XXXXXX)"
DATA_DIR="$WORK/data"  # privacyd's data dir, empty at start
NGINX_PID=""
PRIVACYD_PID=""

stop_pid() {  # pid signal
  local pid="$1" sig="$2" i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_pid "$PRIVACYD_PID" TERM
  stop_pid "$NGINX_PID" QUIT
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

now_us() { local t="$EPOCHREALTIME"; echo "${t/./}"; }

# One HTTP/1.0 GET over bash's /dev/tcp (no curl needed, no fork per poll).
# Sets HTTP_STATUS (e.g. 200) and HTTP_BODY; returns 1 when the connection is refused.
http_get() {  # port path
  local fd resp
  HTTP_STATUS=0 HTTP_BODY=""
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  { printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$fd"; } \
    2>/dev/null || { exec {fd}>&-; return 1; }
  IFS= read -r -d '' -t 2 -u "$fd" resp || true
  exec {fd}>&-
  [[ $resp == HTTP/1.?" "[0-9][0-9][0-9]* ]] || return 1
  HTTP_STATUS="${resp:9:3}"
  HTTP_BODY="${resp#*$'\r\n\r\n'}"
}

# Polls http://127.0.0.1:PORT/PATH every 5 ms until it answers 200; fails when PID exits or
# after READY_TIMEOUT_S.
wait_200() {  # pid port path
  local pid="$1" port="$2" path="$3" deadline
  deadline=$(($(now_us) + READY_TIMEOUT_S * 1000000))
  while :; do
    if http_get "$port" "$path" && [[ $HTTP_STATUS == 200 ]]; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    (($(now_us) < deadline)) || return 1
    sleep 0.005
  done
}

# Runs wrk against a URL; prints its report and leaves req/s and latency percentiles in
# WRK_RPS, WRK_P50, WRK_P99.
run_wrk() {  # name url
  local out
  log "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency $2   ($1)"
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$2")"
  printf '%s\n' "$out"
  WRK_RPS="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  WRK_P50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
  WRK_P99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
  local errors
  errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)"
  [[ -z $errors ]] || log "$1: $errors"
  [[ -n $WRK_RPS ]] || die "could not read Requests/sec from wrk's output for $1"
}

# --- privacyd: start to ready, idle RSS, and the exact /healthz body -----------------------
START_MS="" IDLE_RSS_KB=""
if [[ $NGINX_ONLY -eq 0 ]]; then
  mkdir -m 700 "$DATA_DIR"
  PRIVACYD_PORT="$(free_port)"
  log "starting $PRIVACYD_BIN on 127.0.0.1:$PRIVACYD_PORT (empty data dir)"
  t0="$(now_us)"
  # Access logging is off on both sides so that neither pays for it.
  PRIVACYD_LOG_ACCESS=false "$PRIVACYD_BIN" serve --listen "127.0.0.1:$PRIVACYD_PORT" \
    --data "$DATA_DIR" >"$WORK/privacyd.log" 2>&1 &
  PRIVACYD_PID=$!
  if ! wait_200 "$PRIVACYD_PID" "$PRIVACYD_PORT" /readyz; then
    cat "$WORK/privacyd.log" >&2
    die "privacyd did not answer 200 on /readyz within ${READY_TIMEOUT_S}s"
  fi
  t1="$(now_us)"
  START_MS="$(awk -v us=$((t1 - t0)) 'BEGIN {printf "%.1f", us / 1000}')"
  sleep 1  # let start-up allocations settle before reading the idle figure
  IDLE_RSS_KB="$(awk '/^VmRSS:/ {print $2}' "/proc/$PRIVACYD_PID/status")"
  http_get "$PRIVACYD_PORT" /healthz || die "privacyd /healthz: no answer"
  [[ $HTTP_STATUS == 200 ]] || die "privacyd /healthz answered $HTTP_STATUS"
  if [[ $HTTP_BODY != "$HEALTHZ_BODY" ]]; then
    log "privacyd's /healthz body differs from '$HEALTHZ_BODY'; nginx will serve privacyd's"
    HEALTHZ_BODY="$HTTP_BODY"
  fi
fi

# --- nginx: static file with the same bytes ------------------------------------------------
NGINX_PORT="$(free_port)"
mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp" "$WORK/nginx/logs"
printf '%s' "$HEALTHZ_BODY" >"$WORK/nginx/www/healthz"
USER_LINE=""
# A master started as root would switch its workers to nobody, who cannot read $WORK.
[[ $EUID -ne 0 ]] || USER_LINE="user $(id -un) $(id -gn);"
cat >"$WORK/nginx/nginx.conf" <<EOF
$USER_LINE
daemon off;
master_process on;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  types { }
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /healthz {
      default_type application/json;
      alias $WORK/nginx/www/healthz;
    }
  }
}
EOF
log "starting nginx on 127.0.0.1:$NGINX_PORT (worker_processes 2)"
"$NGINX_BIN" -e "$WORK/nginx/logs/error.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" \
  >"$WORK/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
if ! wait_200 "$NGINX_PID" "$NGINX_PORT" /healthz; then
  cat "$WORK/nginx/logs/stdout.log" "$WORK/nginx/logs/error.log" >&2 2>/dev/null || true
  die "nginx did not answer 200 on /healthz"
fi
[[ $HTTP_BODY == "$HEALTHZ_BODY" ]] || die "nginx body '$HTTP_BODY' != '$HEALTHZ_BODY'"

# --- load ----------------------------------------------------------------------------------
run_wrk nginx "http://127.0.0.1:$NGINX_PORT/healthz"
NGINX_RPS="$WRK_RPS" NGINX_P50="$WRK_P50" NGINX_P99="$WRK_P99"
stop_pid "$NGINX_PID" QUIT  # idle during privacyd's run, but keep the cores to privacyd alone
NGINX_PID=""
if [[ $NGINX_ONLY -eq 0 ]]; then
  run_wrk privacyd "http://127.0.0.1:$PRIVACYD_PORT/healthz"
  PRIVACYD_RPS="$WRK_RPS" PRIVACYD_P50="$WRK_P50" PRIVACYD_P99="$WRK_P99"
  kill -0 "$PRIVACYD_PID" 2>/dev/null || die "privacyd exited during the load"
fi

# --- summary -------------------------------------------------------------------------------
echo
echo "GET /healthz, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $(nproc) cores, body ${#HEALTHZ_BODY} bytes"
printf '%-10s %14s %10s %10s\n' server "requests/s" p50 p99
printf '%-10s %14s %10s %10s\n' nginx "$NGINX_RPS" "$NGINX_P50" "$NGINX_P99"
if [[ $NGINX_ONLY -eq 0 ]]; then
  printf '%-10s %14s %10s %10s\n' privacyd "$PRIVACYD_RPS" "$PRIVACYD_P50" "$PRIVACYD_P99"
  awk -v p="$PRIVACYD_RPS" -v n="$NGINX_RPS" \
    'BEGIN {printf "ratio privacyd/nginx: %.3f\n", (n > 0 ? p / n : 0)}'
  echo "privacyd start to ready (exec to first 200 on /readyz, empty data dir): ${START_MS} ms"
  echo "privacyd idle RSS (VmRSS after start, before load): ${IDLE_RSS_KB} kB"
else
  echo "privacyd: skipped (--nginx-only)"
fi
