#!/usr/bin/env bash
# The dashboard API under load: `kefu serve` on a data directory, each endpoint's
# first (cold) request timed with curl, then wrk at 50 concurrent connections for
# DURATION seconds per endpoint; prints a Markdown table (wrk reports p50/p75/p90/p99;
# the p95 target lies between p90 and p99).
#
# Usage: STORE=DIR benches/api_load_wrk.sh            (DIR: an ingested data directory)
#        without STORE: generates and ingests the demo at SCALE (default 0.67).
# Env:   SKIP_BUILD=1, BIN, DURATION (default 10), CLIENTS (default 50), PORT (18090).
# Needs: wrk (Debian `wrk`; installed with apt-get when missing), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
TARGET="${CARGO_TARGET_DIR:-target}"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --workspace >&2
BIN="${BIN:-$TARGET/release/kefu}"
DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-50}"
PORT="${PORT:-18090}"
W=$(mktemp -d /tmp/kefu-wrk.XXXXXX)
SERVER=""
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

if [ -n "${STORE:-}" ]; then
  DATA="$STORE"
else
  DATA="$W/kefu"
  "$BIN" --data-dir "$DATA" demo --scale "${SCALE:-0.67}" --no-serve --no-open > /dev/null
fi
n=$("$BIN" --data-dir "$DATA" query --csv "SELECT count(*) AS n FROM messages" | tail -1)

KEFU_LOG=kefu_server=info "$BIN" --data-dir "$DATA" serve --addr "127.0.0.1:$PORT" > "$W/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.2; done
# The server warms the dashboard's first views (default period) in the background;
# wait for it, as a manager opening the dashboard after the server started would.
s=$(date +%s.%N)
for _ in $(seq 600); do grep -q "dashboard views warmed" "$W/serve.log" && break; sleep 0.2; done
warm=$(echo "$(date +%s.%N) - $s" | bc -l)
TO=$("$BIN" --data-dir "$DATA" query --csv "SELECT CAST(max(local_date) AS VARCHAR) AS d FROM conversation_facts" | tail -1)
FROM=$(date -d "$TO - 29 days" +%F)
P="from=$FROM&to=$TO"

# What the dashboard's overview, volume and response pages ask for on first load:
# first with the default period (last 30 days, warmed), then over all the data (cold).
ENDPOINTS=(
  "/api/v1/overview?$P"
  "/api/v1/series?metric=conversations&grain=day&$P"
  "/api/v1/series?metric=frt_p50&grain=day&$P"
  "/api/v1/heatmap?metric=conversations&$P"
  "/api/v1/overview"
  "/api/v1/series?metric=conversations&grain=day"
  "/api/v1/series?metric=frt_p50&grain=day"
  "/api/v1/heatmap"
  "/api/v1/distribution?metric=frt"
  "/api/v1/breakdown?by=agent"
  "/api/v1/complaints"
)
echo "$n messages, $CLIENTS connections, ${DURATION}s per endpoint, $(nproc) cores; first views warmed in ${warm}s after start"
echo
printf '| endpoint | first request (cold, s) | req/s | p50 | p90 | p99 |\n|---|---:|---:|---:|---:|---:|\n'
for e in "${ENDPOINTS[@]}"; do
  url="http://127.0.0.1:$PORT$e"
  cold=$(curl -s -o /dev/null -w '%{time_total}' "$url")
  code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
  [ "$code" = 200 ] || { echo "$e answered $code" >&2; exit 1; }
  wrk -t2 -c"$CLIENTS" -d"${DURATION}s" --latency "$url" > "$W/wrk.out"
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$W/wrk.out")
  p() { awk -v q="$1" '$1 == q {print $2}' "$W/wrk.out"; }
  printf '| `%s` | %.2f | %s | %s | %s | %s |\n' "$e" "$cold" "$rps" "$(p 50%)" "$(p 90%)" "$(p 99%)"
done
