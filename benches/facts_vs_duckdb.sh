#!/usr/bin/env bash
# Building the conversation facts: `kefu store rebuild-facts` (load messages, orders and
# surveys from the store, build conversation_facts, rounds, inquiries and survey_facts,
# write them as Delta/Parquet) against DuckDB running equivalent SQL
# (benches/facts_duckdb.sql, which lists what it simplifies) on the same Parquet files
# and writing its four tables as Parquet too, in one script on one machine.
#
# kefu is timed as a whole process (GNU time: wall clock, peak RSS); its log gives the
# load / build / write split. DuckDB is timed in-process around the SQL (reading the
# Parquet files, building, writing), and its whole Python process is timed with GNU time
# for peak RSS. The ratio is kefu's whole process over DuckDB's SQL alone, so process
# start-up counts against kefu only. Each side runs RUNS times (default 3); the table
# gives the medians and the highest peak RSS. Under the table, the same counts and means
# queried from both outputs show the work is equivalent.
#
# Usage: benches/facts_vs_duckdb.sh [SCALE ...]   (default 0.67 ≈ 600k messages)
# Env:   SKIP_BUILD=1 (no cargo build), BIN (kefu binary), RUNS (default 3),
#        STORE=DIR: use this already-ingested data directory (one ingest, so each
#        source table is one commit) instead of generating one; SCALE is then a label.
# Needs: cargo, python3 (duckdb is pip-installed into a throw-away venv), GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=("${@:-0.67}")
RUNS="${RUNS:-3}"
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
TARGET="${CARGO_TARGET_DIR:-target}"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --workspace >&2
BIN="${BIN:-$TARGET/release/kefu}"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
VENV=/tmp/kefu-bench-venv
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb; }
DUCK_VERSION=$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')
SQL="$PWD/benches/facts_duckdb.sql"
"$BIN" ingest --help | grep -q -- '--no-text' || { echo "kefu ingest has no --no-text" >&2; exit 1; }

peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$1"; }
median() { sort -g | awk '{v[NR]=$1} END {printf "%.2f", (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
maxof() { sort -g | tail -1; }

NOTES=$(mktemp /tmp/kefu-fbench-notes.XXXXXX)
W=""
cleanup() { [ -z "$W" ] || rm -rf "$W"; rm -f "$NOTES"; }
trap cleanup EXIT

printf '| messages | conversations | kefu rebuild-facts (s) | kefu peak RSS (MB) | DuckDB facts SQL (s) | DuckDB peak RSS (MB) | kefu / DuckDB |\n|---:|---:|---:|---:|---:|---:|---:|\n'
for scale in "${SCALES[@]}"; do
  W=$(mktemp -d /tmp/kefu-fbench.XXXXXX)
  if [ -n "${STORE:-}" ]; then
    ln -s "$(cd "$STORE" && pwd)" "$W/kefu"
  else
    "$BIN" demo --generate "$W/src" --scale "$scale" --canonical --json > "$W/gen.json"
    "$BIN" --data-dir "$W/kefu" ingest --json --no-text "$W"/src/*.csv > "$W/ingest.json"
  fi
  T="$W/kefu/tables"

  # The sources are Delta tables; DuckDB reads their Parquet files directly, which is
  # right only while no file has been removed from a table (one commit on a fresh
  # store). Check each source's row count against kefu's own reading of the table.
  for t in messages orders surveys; do
    k=$("$BIN" --data-dir "$W/kefu" query --csv "SELECT count(*) AS n FROM $t" | tail -1)
    d=$("$VENV/bin/python" -c "import duckdb; print(duckdb.sql(\"SELECT count(*) FROM read_parquet('$T/$t/*/*.parquet', hive_partitioning=false)\").fetchall()[0][0])")
    [ "$k" = "$d" ] || { echo "$t: kefu sees $k rows, its Parquet files hold $d" >&2; exit 1; }
  done
  n=$("$BIN" --data-dir "$W/kefu" query --csv "SELECT count(*) AS n FROM messages" | tail -1)

  cat > "$W/duck.py" <<'PY'
import duckdb, os, shutil, sys, time
sql_path, tables, out = sys.argv[1:4]
sql = open(sql_path).read().replace("@TABLES@", tables).replace("@OUT@", out)
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
con = duckdb.connect()  # in memory, all cores (kefu builds on all cores too)
t = time.perf_counter()
con.execute(sql)        # reads the Parquet files, builds, writes the four tables
print(time.perf_counter() - t)
PY
  : > "$W/k.secs"; : > "$W/k.rss"; : > "$W/d.secs"; : > "$W/d.proc"; : > "$W/d.rss"
  for i in $(seq "$RUNS"); do
    KEFU_LOG=kefu_analytics=info NO_COLOR=1 /usr/bin/time -v -o "$W/kefu.time" \
      "$BIN" --data-dir "$W/kefu" store rebuild-facts > "$W/kefu.out" 2> "$W/kefu.log"
    wall "$W/kefu.time" >> "$W/k.secs"; echo >> "$W/k.secs"
    peak_mb "$W/kefu.time" >> "$W/k.rss"; echo >> "$W/k.rss"
    /usr/bin/time -v -o "$W/duck.time" "$VENV/bin/python" "$W/duck.py" "$SQL" "$T" "$W/duck" > "$W/duck.secs"
    cat "$W/duck.secs" >> "$W/d.secs"
    wall "$W/duck.time" >> "$W/d.proc"; echo >> "$W/d.proc"
    peak_mb "$W/duck.time" >> "$W/d.rss"; echo >> "$W/d.rss"
  done
  ks=$(median < "$W/k.secs"); ds=$(median < "$W/d.secs"); dp=$(median < "$W/d.proc")
  kr=$(maxof < "$W/k.rss"); dr=$(maxof < "$W/d.rss")
  convs=$("$BIN" --data-dir "$W/kefu" query --csv "SELECT count(*) AS n FROM conversation_facts WHERE cycle = 0" | tail -1)
  printf '| %s | %s | %s | %s | %s | %s | %.2f× |\n' "$n" "$convs" "$ks" "$kr" "$ds" "$dr" "$(echo "$ks / $ds" | bc -l)"

  # kefu's phases (last run) and DuckDB's whole process, for the notes.
  phases=$(sed 's/\x1b\[[0-9;]*m//g' "$W/kefu.log" | grep -o '\(load\|build\|write\)_secs=[0-9.]*' \
    | awk -F= '{sub("_secs","",$1); printf "%s %.2f s, ", $1, $2}' | sed 's/, $//')
  {
    echo
    echo "Scale $scale ($n messages): kefu rebuild-facts runs: $(tr '\n' ' ' < "$W/k.secs")s ($phases in the last); DuckDB $DUCK_VERSION SQL runs: $(awk '{printf "%.2f ", $1}' "$W/d.secs")s, whole Python process (median) $dp s."
    echo
    echo "| check (scale $scale) | kefu | DuckDB |"
    echo "|---|---:|---:|"
    "$VENV/bin/python" - "$BIN" "$W/kefu" "$W/duck" <<'PY'
# The same queries over kefu's fact tables (through `kefu query`, which reads the
# current Delta snapshot) and over DuckDB's output files.
import duckdb, json, subprocess, sys
bin_, data_dir, out = sys.argv[1:4]
con = duckdb.connect()
for t in ["conversation_facts", "rounds", "inquiries", "survey_facts"]:
    con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{out}/{t}/*/*.parquet')")
def n(cond):
    return "sum(CASE WHEN " + cond + " THEN 1 ELSE 0 END)"
def both(*exprs):  # several figures in one cell: "a / b / c"
    return " || ' / ' || ".join("CAST(" + e + " AS VARCHAR)" for e in exprs)
checks = [
    ("conversation_facts", [
        ("conversations (cycle = 0)", n("cycle = 0")),
        ("care cycles (rows)", "count(*)"),
        ("customer / human / bot messages",
         both("sum(customer_messages)", "sum(agent_messages)", "sum(bot_messages)")),
        ("outbound cycles", n("outbound")),
        ("FRT answered / unanswered cycles", both(n("frt_answered"), n("frt_answered = false"))),
        ("mean FRT (s)", "round(avg(frt_secs), 2)"),
        ("mean FRT, business seconds", "round(avg(frt_business_secs), 2)"),
        ("resolved explicit / inferred",
         both(n("resolution_source = 'explicit' AND cycle = 0"), n("resolution_source = 'inferred' AND cycle = 0"))),
        ("repeat contact / one-touch", both(n("repeat_contact AND cycle = 0"), n("one_touch AND cycle = 0"))),
        ("not served (人工不服务)", n("not_served AND cycle = 0")),
        ("3-min rounds / in-window rounds", both("sum(three_min_rounds)", "sum(window_rounds)")),
        ("conversations with 询单 / converted", both(n("inquiry AND cycle = 0"), n("converted AND cycle = 0"))),
        ("mean conversation CSAT", "round(avg(csat_score), 4)"),
    ]),
    ("rounds", [
        ("rounds human / bot / unanswered", both(n("kind = 'human'"), n("kind = 'bot'"), n("kind = 'unanswered'"))),
        ("mean response time, human rounds (s)", "round(avg(CASE WHEN kind = 'human' THEN response_secs END), 2)"),
        ("within 3 min (human + unanswered rounds)",
         "round(avg(CASE WHEN kind <> 'bot' THEN CASE WHEN within_3m THEN 1.0 ELSE 0.0 END END), 4)"),
        ("3-minute rate (rounds starting in the window)",
         "round(avg(CASE WHEN three_min_ok IS NOT NULL THEN CASE WHEN three_min_ok THEN 1.0 ELSE 0.0 END END), 4)"),
    ]),
    ("inquiries", [
        ("询单 units / inquiries / converted", both("count(*)", n("inquiry"), n("converted"))),
        ("orders credited / amount", both("sum(orders)", "round(sum(order_amount), 2)")),
    ]),
    ("survey_facts", [
        ("survey responses / satisfied", both(n("is_primary"), n("satisfied AND is_primary"))),
    ]),
]
for table, cols in checks:
    sql = "SELECT " + ", ".join(f"{expr} AS c{i}" for i, (_, expr) in enumerate(cols)) + " FROM " + table
    k = json.loads(subprocess.run([bin_, "--data-dir", data_dir, "query", "--json", sql],
                                  check=True, capture_output=True, text=True).stdout)[0]
    d = con.execute(sql).fetchone()
    for i, (label, _) in enumerate(cols):
        print(f"| {label} | {k[f'c{i}']} | {d[i]} |")
PY
  } >> "$NOTES"
  rm -rf "$W"; W=""
done
cat "$NOTES"
