#!/usr/bin/env bash
# `kefu report` over stored facts against DuckDB running the equivalent SQL on the
# same Parquet files (the fact tables' files), in one script on one machine. Also
# prints how long building the facts took inside the ingest (`facts.secs`).
#
# Usage: benches/report_vs_duckdb.sh [SCALE ...]   (default 0.67 ≈ 600k messages;
#        11.15 ≈ 10M). STORE=DIR uses an already-ingested data directory instead
#        (one ingest, so the fact tables' Parquet files are exactly the snapshot's).
# Needs: cargo, python3 (duckdb is pip-installed into a throw-away venv).
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=("${@:-0.67}")
TARGET="${CARGO_TARGET_DIR:-target}"
[ "${SKIP_BUILD:-0}" = 1 ] || cargo build --release --workspace >&2
BIN="$TARGET/release/kefu"
VENV=/tmp/kefu-bench-venv
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb; }

printf '| messages | conversations | kefu report, whole process (s, median of 5) | kefu report in process (s, median of 5) | DuckDB same aggregates (s, median of 5) | kefu in process / DuckDB |\n|---:|---:|---:|---:|---:|---:|\n'
for scale in ${SCALES[@]}; do
  W=$(mktemp -d /tmp/kefu-rbench.XXXXXX)
  if [ -n "${STORE:-}" ]; then
    ln -s "$(cd "$STORE" && pwd)" "$W/kefu"
  else
    "$BIN" demo --generate "$W/src" --scale "$scale" --canonical --json > "$W/gen.json"
    "$BIN" --data-dir "$W/kefu" ingest --json "$W"/src/*.csv > "$W/ingest.json"
  fi
  # DuckDB reads the tables' Parquet files directly: right only while every file is in
  # the current snapshot (a rebuild leaves the old facts until `kefu store vacuum
  # --retention-hours 0`). Check each table's rows against kefu's own reading.
  for t in messages surveys conversation_facts rounds inquiries survey_facts; do
    k=$("$BIN" --data-dir "$W/kefu" query --csv "SELECT count(*) AS n FROM $t" | tail -1)
    d=$("$VENV/bin/python" -c "import duckdb; print(duckdb.sql(\"SELECT count(*) FROM read_parquet('$W/kefu/tables/$t/**/*.parquet')\").fetchall()[0][0])")
    [ "$k" = "$d" ] || { echo "$t: kefu sees $k rows, its Parquet files hold $d (vacuum the store first)" >&2; exit 1; }
  done
  n=$("$BIN" --data-dir "$W/kefu" query --csv "SELECT count(*) AS n FROM messages" | tail -1)
  convs=$("$BIN" --data-dir "$W/kefu" query --csv "SELECT count(*) AS n FROM conversation_facts WHERE cycle = 0" | tail -1)
  # In process: the store opened once, the report run 5 more times (as a server would).
  "$BIN" --data-dir "$W/kefu" report --json --repeat 5 > /dev/null 2> "$W/repeat.log"
  kin=$(awk '/^report_secs/ {print $2}' "$W/repeat.log" | sort -g | sed -n 3p)
  ktimes=()
  for i in 1 2 3 4 5; do
    s=$(date +%s.%N); "$BIN" --data-dir "$W/kefu" report --json > "$W/report.json"; e=$(date +%s.%N)
    ktimes+=("$(echo "$e - $s" | bc -l)")
  done
  kmed=$(printf '%s\n' "${ktimes[@]}" | sort -g | sed -n 3p)
  cat > "$W/duck.py" <<PY
import duckdb, time, statistics
root = "$W/kefu/tables"
con = duckdb.connect()
c = f"read_parquet('{root}/conversation_facts/**/*.parquet')"
r = f"read_parquet('{root}/rounds/**/*.parquet')"
s = f"read_parquet('{root}/survey_facts/**/*.parquet')"
q = f"read_parquet('{root}/inquiries/**/*.parquet')"
m = f"read_parquet('{root}/messages/**/*.parquet')"
sv = f"read_parquet('{root}/surveys/**/*.parquet')"
cust = "sender = 'customer' AND sentiment IS NOT NULL"
neg = "CASE WHEN sentiment < 0.4 THEN 1.0 ELSE 0.0 END"
sql = [
  f"SELECT sum(CASE WHEN cycle=0 THEN 1 ELSE 0 END), count(DISTINCT CASE WHEN cycle=0 THEN shop_id||'|'||customer END), sum(customer_messages), sum(agent_messages), sum(bot_messages), avg(CASE WHEN not_served THEN 1.0 ELSE 0.0 END), sum(CASE WHEN resolved THEN 1 ELSE 0 END) FROM {c}",
  f"SELECT count(*), avg(frt_secs), quantile_cont(frt_secs, 0.5), quantile_cont(frt_secs, 0.9) FROM {c} WHERE frt_answered",
  f"SELECT avg(resolution_secs), quantile_cont(resolution_secs, 0.5), quantile_cont(resolution_secs, 0.9) FROM {c} WHERE cycle=0 AND resolved",
  f"SELECT sum(CASE WHEN kind='human' THEN 1 ELSE 0 END), sum(CASE WHEN kind='bot' THEN 1 ELSE 0 END), sum(CASE WHEN kind='unanswered' THEN 1 ELSE 0 END), avg(CASE WHEN within_30s THEN 1.0 ELSE 0.0 END), avg(CASE WHEN within_1m THEN 1.0 ELSE 0.0 END), avg(CASE WHEN within_3m THEN 1.0 ELSE 0.0 END), avg(CASE WHEN within_5m THEN 1.0 ELSE 0.0 END), avg(CASE WHEN within_1h THEN 1.0 ELSE 0.0 END) FROM {r} WHERE kind <> 'bot'",
  f"SELECT avg(response_secs_first), quantile_cont(response_secs_first, 0.5), quantile_cont(response_secs_first, 0.9) FROM {r} WHERE kind='human'",
  f"SELECT avg(CASE WHEN three_min_ok THEN 1.0 ELSE 0.0 END) FROM {r} WHERE starts_in_window AND kind <> 'bot'",
  f"SELECT dimension, scale, score, count(*) FROM {s} WHERE is_primary GROUP BY 1,2,3",
  f"SELECT sum(CASE WHEN inquiry THEN 1 ELSE 0 END), sum(CASE WHEN converted THEN 1 ELSE 0 END), sum(order_amount) FROM {q} WHERE NOT after_sales",
  # 3-minute rate per buyer (kefu computes both readings).
  f"SELECT count(*), sum(ok) FROM (SELECT shop_id, customer, min(CASE WHEN kind='human' AND response_secs_first <= 180 THEN 1 ELSE 0 END) AS ok FROM {r} WHERE starts_in_window AND kind <> 'bot' GROUP BY 1, 2)",
  # The complaints section: categories, negative share per category and by day,
  # urgent count and latest 50, the latest 3000 negative texts (kefu extracts
  # keywords from them), survey-comment categories.
  f"SELECT k, count(*) FROM (SELECT unnest(string_split(categories, ',')) AS k FROM {c} WHERE cycle = 0 AND categories IS NOT NULL) GROUP BY k",
  f"SELECT k, avg(n) FROM (SELECT unnest(string_split(categories, ',')) AS k, {neg} AS n FROM {m} WHERE {cust} AND categories IS NOT NULL) GROUP BY k",
  f"SELECT local_date, avg(sentiment), avg({neg}), count(*) FROM {m} WHERE {cust} GROUP BY 1 ORDER BY 1",
  f"SELECT count(*) FROM {m} WHERE {cust} AND urgent",
  f"SELECT coalesce(text_masked, text) FROM {m} WHERE {cust} AND sentiment < 0.4 ORDER BY ts DESC, row_key LIMIT 3000",
  f"SELECT shop_id, conversation_id, CAST(ts AS VARCHAR), coalesce(text_masked, text), categories FROM {m} WHERE {cust} AND urgent ORDER BY ts DESC, row_key LIMIT 50",
  f"SELECT k, count(*), avg(s) FROM (SELECT unnest(string_split(categories, ',')) AS k, CASE WHEN scale = 10 THEN score / 10.0 ELSE (score - 1.0) / 4.0 END AS s FROM {sv} WHERE comment_masked IS NOT NULL AND categories IS NOT NULL) GROUP BY k ORDER BY 2 DESC, 1",
]
times = []
for _ in range(5):
    t = time.perf_counter()
    for x in sql:
        con.execute(x).fetchall()
    times.append(time.perf_counter() - t)
print(statistics.median(times))
PY
  dmed=$("$VENV/bin/python" "$W/duck.py")
  printf '| %s | %s | %.3f | %.3f | %.3f | %.2f× |\n' "$n" "$convs" "$kmed" "$kin" "$dmed" "$(echo "$kin / $dmed" | bc -l)"
  rm -rf "$W"
done
