#!/usr/bin/env bash
# Bounded memory under load (issue 19): `kefu serve` on the demo store, then CLIENTS
# connections for ROUNDS rounds of SECS seconds each, every request a dashboard call
# with a fresh random filter combination (benches/api_load_random.lua). Prints, per
# round, requests, errors (non-2xx, socket errors, timeouts), latency and the server's
# RSS, threads and response-cache bytes (/healthz); then RSS after the warm-up round
# vs after the last one. Passes (exit 0) with 0 errors and the last RSS within 20 % of
# the warm-up RSS.
#
# Usage: benches/api_load_random.sh               (generates the demo at SCALE, 0.33)
#        STORE=DIR benches/api_load_random.sh     (an ingested data directory)
# Env:   SKIP_BUILD=1, BIN, CLIENTS (50), ROUNDS (3), SECS (20), WARMUP (10), PORT (18091).
# Needs: wrk (Debian `wrk`; installed with apt-get when missing), curl, jq.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
TARGET="${CARGO_TARGET_DIR:-target}"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --workspace >&2
BIN="${BIN:-$TARGET/release/kefu}"
CLIENTS="${CLIENTS:-50}"
ROUNDS="${ROUNDS:-3}"
SECS="${SECS:-20}"
WARMUP="${WARMUP:-10}"
PORT="${PORT:-18091}"
W=$(mktemp -d /tmp/kefu-load.XXXXXX)
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

if [ -n "${STORE:-}" ]; then
  DATA="$STORE"
else
  DATA="$W/kefu"
  "$BIN" --data-dir "$DATA" demo --scale "${SCALE:-0.33}" --no-serve --no-open > /dev/null
fi
n=$("$BIN" --data-dir "$DATA" query --csv "SELECT count(*) AS n FROM messages" | tail -1)

"$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" > "$W/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done
for _ in $(seq 600); do grep -q "dashboard views warmed" "$W/serve.log" && break; sleep 0.2; done

META=$(curl -sf "http://127.0.0.1:$PORT/api/v1/meta")
export SHOPS AGENTS FIRST DAYS
SHOPS=$(jq -r '[.shops[].id] | join(",")' <<< "$META")
AGENTS=$(jq -r '.agents | join(",")' <<< "$META")
FIRST=$(jq -r '.date_range.from' <<< "$META")
LAST=$(jq -r '.date_range.to' <<< "$META")
DAYS=$(( ( $(date -d "$LAST" +%s) - $(date -d "$FIRST" +%s) ) / 86400 + 1 ))

rss() { awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$SERVER/status"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$SERVER/status"; }
cache() { curl -sf "http://127.0.0.1:$PORT/healthz" | jq -r '"\(.cache.entries) / \(.cache.bytes / 1048576 | floor) MiB"'; }

# One wrk round of $1 seconds; prints a table row and adds its errors to ERRORS.
ERRORS=0
round() {
  wrk -t2 -c"$CLIENTS" -d"$1s" --timeout 30s --latency -s benches/api_load_random.lua \
    "http://127.0.0.1:$PORT" > "$W/wrk.out"
  local reqs non2xx sock p
  reqs=$(awk '/requests in/ {print $1}' "$W/wrk.out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$W/wrk.out")
  sock=$(awk -F'[ ,]+' '/Socket errors/ {print $4 + $6 + $8 + $10}' "$W/wrk.out")
  p() { awk -v q="$1" '$1 == q {print $2}' "$W/wrk.out"; }
  local errs=$(( ${non2xx:-0} + ${sock:-0} ))
  ERRORS=$(( ERRORS + errs ))
  printf '| %s | %s s | %s | %s | %s | %s | %s | %s MiB | %s | %s |\n' \
    "$2" "$1" "$reqs" "$errs" "$(p 50%)" "$(p 90%)" "$(p 99%)" "$(rss)" "$(threads)" "$(cache)"
}

echo "$n messages, $DAYS days, shops $SHOPS; $CLIENTS connections; $(nproc) cores; binary $BIN"
echo
start_rss=$(rss)
printf '| round | length | requests | errors | p50 | p90 | p99 | server RSS after | threads | cache entries / bytes |\n'
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n'
printf '| started, views warmed | | | | | | | %s MiB | %s | %s |\n' "$start_rss" "$(threads)" "$(cache)"
round "$WARMUP" "warm-up"
warm_rss=$(rss)
for i in $(seq "$ROUNDS"); do round "$SECS" "$i"; done
end_rss=$(rss)
echo
growth=$(echo "scale=1; 100 * ($end_rss - $warm_rss) / $warm_rss" | bc -l)
echo "RSS after warm-up ${warm_rss} MiB, after the last round ${end_rss} MiB (${growth} %); errors: $ERRORS"
ok=$(echo "$ERRORS == 0 && $end_rss <= $warm_rss * 1.2" | bc -l)
[ "$ok" = 1 ] || { echo "FAILED: errors or RSS growth over 20 %" >&2; exit 1; }
