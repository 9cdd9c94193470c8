#!/usr/bin/env bash
# Ingest throughput and peak memory: `kefu ingest` against DuckDB loading the same
# CSV files into a table (Python duckdb, read_csv), in one script on one machine.
#
# Usage: benches/ingest_vs_duckdb.sh [SCALE ...]
#   default scales 1.12 and 11.15 ≈ 1M and 10M generated messages.
#   SRC=DIR: ingest DIR's *_messages.csv (a `kefu demo --generate DIR --canonical`
#   output) instead of generating; KEEP=DIR: keep kefu's data directory there
#   (for the report, facts and load benchmarks on the same store).
# Needs: cargo, python3 (duckdb is pip-installed into a throw-away venv), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=("${@:-1.12 11.15}")
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
TARGET="${CARGO_TARGET_DIR:-target}"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --workspace >&2
BIN="$TARGET/release/kefu"
VENV=/tmp/kefu-bench-venv
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb; }
DUCK_VERSION=$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')

peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
secs() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$1"; }

printf '| messages | engine | seconds | messages/s | peak RSS (MB) | time vs DuckDB |\n|---:|---|---:|---:|---:|---:|\n'
for scale in ${SCALES[@]}; do
  W=$(mktemp -d /tmp/kefu-bench.XXXXXX)
  if [ -n "${SRC:-}" ]; then
    files=("$SRC"/*_messages.csv)
    n=$(cat "${files[@]}" | python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(sys.stdin)) - $(echo "${#files[@]}"))")
  else
    "$BIN" demo --generate "$W/src" --scale "$scale" --canonical --json > "$W/gen.json"
    files=("$W"/src/*_messages.csv)
    n=$(python3 -c "import json,sys; print(json.load(open('$W/gen.json'))['messages'])")
  fi
  /usr/bin/time -v "$BIN" --data-dir "$W/kefu" ingest --json "${files[@]}" > "$W/kefu.json" 2> "$W/kefu.time"
  got=$(python3 -c "import json; print(json.load(open('$W/kefu.json'))['ingested'])")
  [ "$got" = "$n" ] || { echo "kefu ingested $got of $n" >&2; exit 1; }
  cat > "$W/duck.py" <<PY
import duckdb, sys
con = duckdb.connect("$W/duck.db")
con.execute("CREATE TABLE messages AS SELECT * FROM read_csv(\$files, header=true)", {"files": sys.argv[1:]})
print(con.execute("SELECT count(*) FROM messages").fetchone()[0])
PY
  /usr/bin/time -v "$VENV/bin/python" "$W/duck.py" "${files[@]}" > "$W/duck.out" 2> "$W/duck.time"
  ks=$(secs "$W/kefu.time"); ds=$(secs "$W/duck.time")
  printf '| %s | kefu ingest (validate, dedupe, normalise, text models, Delta commit, conversation facts) | %s | %.0f | %s | %.2f× |\n' "$n" "$ks" "$(echo "$n / $ks" | bc -l)" "$(peak_mb "$W/kefu.time")" "$(echo "$ks / $ds" | bc -l)"
  printf '| %s | DuckDB %s read_csv → table | %s | %.0f | %s | 1.00× |\n' "$(cat "$W/duck.out")" "$DUCK_VERSION" "$ds" "$(echo "$n / $ds" | bc -l)" "$(peak_mb "$W/duck.time")"
  if [ -n "${KEEP:-}" ]; then rm -rf "$KEEP"; mv "$W/kefu" "$KEEP"; fi
  rm -rf "$W"
done
