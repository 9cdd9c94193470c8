#!/usr/bin/env bash
# `kefu compare` (and `kefu anomalies`, when the binary has it) on a generated store,
# against the peer work in the same script: `kefu report` of the same two periods
# (what comparing by eye would run). Whole process, start to exit, median of RUNS.
#
# Usage: benches/compare_anomalies.sh [SCALE]   (11.15 ≈ 10M messages)
#   BIN=path/to/kefu (default target/release/kefu), STORE=DIR to reuse a store,
#   KEEP=DIR to keep the store built here, RUNS=3.
set -euo pipefail
scale="${1:-11.15}"
BIN="${BIN:-target/release/kefu}"
RUNS="${RUNS:-3}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
store="${STORE:-}"
if [ -z "$store" ]; then
  store="${KEEP:-$W/kefu}"
  "$BIN" demo --generate "$W/src" --scale "$scale" --canonical --json > "$W/gen.json"
  "$BIN" --data-dir "$store" ingest --json "$W"/src/*_messages.csv > /dev/null
  others=$(ls "$W"/src/*.csv | grep -v _messages.csv || true)
  # shellcheck disable=SC2086
  [ -n "$others" ] && "$BIN" --data-dir "$store" ingest --json $others > /dev/null
fi
to=$("$BIN" --data-dir "$store" query --csv "SELECT CAST(MAX(local_date) AS VARCHAR) AS d FROM conversation_facts" | tail -1)
from=$(date -d "$to -6 days" +%F)
afrom=$(date -d "$to -13 days" +%F)
ato=$(date -d "$to -7 days" +%F)
rows=$("$BIN" --data-dir "$store" query --csv "SELECT COUNT(*) FROM messages" | tail -1)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_it() {
  for _ in $(seq "$RUNS"); do
    s=$(date +%s.%N)
    "$@" > /dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | median
}

cmp=$(time_it "$BIN" --data-dir "$store" compare --b "$from..$to" --vs previous --json)
cmp_by=$(time_it "$BIN" --data-dir "$store" compare --b "$from..$to" --vs previous --by agent --json)
rep=$(time_it sh -c "'$BIN' --data-dir '$store' report --from $afrom --to $ato --json && '$BIN' --data-dir '$store' report --from $from --to $to --json")
echo "store: $store ($rows messages); b $from..$to, a $afrom..$ato; median of $RUNS"
printf '| kefu compare (27 metrics, tests, BH) | %.2f s | %.2f× the two reports |\n' "$cmp" "$(echo "$cmp / $rep" | bc -l)"
printf '| kefu compare --by agent | %.2f s | %.2f× |\n' "$cmp_by" "$(echo "$cmp_by / $rep" | bc -l)"
printf '| peer: kefu report of a, then of b | %.2f s | 1.00× |\n' "$rep"
if "$BIN" anomalies --help > /dev/null 2>&1; then
  an=$(time_it "$BIN" --data-dir "$store" anomalies --from "$afrom" --to "$to" --json)
  printf '| kefu anomalies (every metric, hour and day) | %.2f s | %.2f× |\n' "$an" "$(echo "$an / $rep" | bc -l)"
fi
