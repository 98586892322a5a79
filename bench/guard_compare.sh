#!/usr/bin/env bash
# The guard beside two npm PII libraries, @openredaction/core and redact-pii, on the same
# labelled corpus: throughput of each and recall and precision per type, in one table.
#
# usage: bench/guard_compare.sh [--corpus PATH]... [--rounds N]
#
# Installs the libraries at the versions pinned in bench/guard_compare/package-lock.json with
# `npm ci` into a temporary directory (never into the repository; removed on exit), then:
#   1. writes the corpus texts (tests/guard/corpus/*.jsonl, or --corpus) one per line, and the
#      guard benchmark's 1,024 generated 2 KB mixed forms (privacyd_guard_bench --dump_forms);
#   2. runs bench/guard_compare/compare.mjs: each library loaded once, one untimed pass for its
#      findings on the corpus, then the scanning loop over each set timed N times (best kept);
#   3. times privacyd's guard in-process on the same two sets, one Scan per text as the
#      libraries do: privacyd_guard_bench --texts=FILE --benchmark_filter=BM_GuardTexts, N
#      repetitions, best kept;
#   4. runs `privacyd scan --format jsonl` (or privacyd_guard_scan while the scan command does
#      not exist) for privacyd's findings, and prints the table (bench/guard_compare/report.py).
# No start-up is counted for anyone: not node's, not the libraries' loading, not privacyd's
# pattern compilation.
#
# Environment:
#   PRIVACYD_BIN        the privacyd binary (default build/release/privacyd)
#   GUARD_BENCH_BIN     the benchmark binary (default build/release/bench/privacyd_guard_bench)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON=/usr/bin/python3
PRIVACYD_BIN="${PRIVACYD_BIN:-$ROOT/build/release/privacyd}"
GUARD_BENCH_BIN="${GUARD_BENCH_BIN:-$ROOT/build/release/bench/privacyd_guard_bench}"
ROUNDS=3
CORPUS_ARGS=()

die() { printf 'guard_compare: %s\n' "$*" >&2; exit 1; }
log() { printf '==> %s\n' "$*" >&2; }

while (($#)); do
  case "$1" in
    --corpus) (($# >= 2)) || die "--corpus needs a path"; CORPUS_ARGS+=(--corpus "$2"); shift 2 ;;
    --rounds) (($# >= 2)) || die "--rounds needs a number"; ROUNDS="$2"; shift 2 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -gt 0 ]] || die "--rounds must be a positive integer"

command -v node >/dev/null || die "node not found (./dev deps installs nodejs)"
command -v npm >/dev/null || die "npm not found (./dev deps installs npm)"
[[ -x $PYTHON ]] || die "$PYTHON not found"
[[ -x $GUARD_BENCH_BIN ]] || die "$GUARD_BENCH_BIN not found: build it first (./dev build release)"

WORK="$(mktemp -d -t privacyd-guard-compare.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
OUT="$WORK/out"
mkdir -p "$OUT" "$WORK/npm"

"$PYTHON" "$ROOT/bench/guard_accuracy.py" "${CORPUS_ARGS[@]}" --write-texts "$WORK/texts.txt" ||
  die "no corpus to compare on (tests/guard/corpus/*.jsonl, or --corpus PATH)"
log "corpus: $(wc -l <"$WORK/texts.txt") texts, $(wc -c <"$WORK/texts.txt") bytes with line breaks"

log "npm ci in $WORK/npm ($(node --version), npm $(npm --version))"
cp "$ROOT/bench/guard_compare/package.json" "$ROOT/bench/guard_compare/package-lock.json" \
  "$ROOT/bench/guard_compare/compare.mjs" "$WORK/npm/"
# No install scripts: the libraries are plain JavaScript and need none.
(cd "$WORK/npm" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

"$GUARD_BENCH_BIN" --dump_forms="$WORK/forms.txt"

log "the npm libraries, in-process, best of $ROUNDS"
node "$WORK/npm/compare.mjs" --texts "$WORK/texts.txt" --forms "$WORK/forms.txt" --out "$OUT" \
  --rounds "$ROUNDS"

for set in texts forms; do
  log "privacyd's guard on the $set, in-process (privacyd_guard_bench, $ROUNDS repetitions)"
  "$GUARD_BENCH_BIN" --texts="$WORK/$set.txt" --benchmark_filter='^BM_GuardTexts/single_pass:0' \
    --benchmark_repetitions="$ROUNDS" --benchmark_format=console \
    --benchmark_out="$OUT/guard_bench_$set.json" --benchmark_out_format=json >&2
done

echo
PRIVACYD_BIN="$PRIVACYD_BIN" "$PYTHON" "$ROOT/bench/guard_compare/report.py" \
  "${CORPUS_ARGS[@]}" --dir "$OUT"
