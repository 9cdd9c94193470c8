#!/usr/bin/env bash
# kefu-text throughput against Python jieba + SnowNLP on the same texts.
#
#   benches/text_vs_python.sh [N] [CSV]
#
# N texts (default 20000) from the `review` column of CSV (default
# ../shared/data/sentiment/online_shopping_10_cats_dev.csv). Rust: release build of
# the `bench_text` example, classify + sentiment + mask (the ingest path, no
# keywords) and the same with 5 TF-IDF keywords, on 1 and 2 rayon threads.
# Python: jieba.lcut and SnowNLP(text).sentiments in a throw-away venv under /tmp,
# one process. Prints messages/s and the ratios. On a shared machine the wall-clock
# rates depend on the load; messages per CPU-second do not, and twice the 2-thread
# per-CPU-second rate is what two idle cores give.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20000}"
CSV="${2:-../shared/data/sentiment/online_shopping_10_cats_dev.csv}"
SNOW_N="${SNOW_N:-$(( N < 5000 ? N : 5000 ))}"   # SnowNLP is slow: time a prefix
TARGET="${CARGO_TARGET_DIR:-target}"

echo "== build (release)"
cargo build --release -q -p kefu-text --example bench_text
echo "== Rust kefu-text on $N texts"
RUST_OUT="$("$TARGET/release/examples/bench_text" "$CSV" "$N")"
echo "$RUST_OUT"

VENV="$(mktemp -d /tmp/kefu-text-bench-XXXXXX)"
trap 'rm -rf "$VENV"' EXIT
echo "== Python venv in $VENV (pip install jieba snownlp)"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q jieba snownlp
PY_OUT="$("$VENV/bin/python" - "$CSV" "$N" "$SNOW_N" <<'PY'
import csv, sys, time, logging
import jieba
jieba.setLogLevel(logging.WARNING)
from snownlp import SnowNLP
path, n, snow_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
texts = []
with open(path, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        if row.get("review") is not None:
            texts.append(row["review"])
        if len(texts) >= n:
            break
jieba.initialize()
jieba.lcut(texts[0])
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    for s in texts:
        jieba.lcut(s)
    best = min(best, time.perf_counter() - t)
print(f"py_jieba_msgs_per_s {len(texts) / best:.0f}")
SnowNLP(texts[0]).sentiments
t = time.perf_counter()
for s in texts[:snow_n]:
    SnowNLP(s).sentiments
el = time.perf_counter() - t
print(f"py_snownlp_msgs_per_s {snow_n / el:.0f}")
print(f"py_snownlp_texts {snow_n}")
PY
)"
echo "$PY_OUT"

get() { printf '%s\n%s\n' "$RUST_OUT" "$PY_OUT" | awk -v k="$1" '$1 == k { print $2 }'; }
R1="$(get core_threads1_msgs_per_s)"; R2="$(get core_threads2_msgs_per_s)"
K1="$(get with_keywords_threads1_msgs_per_s)"; K2="$(get with_keywords_threads2_msgs_per_s)"
PJ="$(get py_jieba_msgs_per_s)"; PS="$(get py_snownlp_msgs_per_s)"
# Python doing segmentation + sentiment per message: 1/(1/PJ + 1/PS).
C1="$(get core_threads1_msgs_per_cpu_s)"; C2="$(get core_threads2_msgs_per_cpu_s)"
PP="$(awk -v a="$PJ" -v b="$PS" 'BEGIN { printf "%.0f", 1 / (1 / a + 1 / b) }')"
echo "== summary (messages/s; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-44s %10s\n' "kefu-text classify+sentiment+mask, 1 thread" "$R1"
printf '%-44s %10s\n' "kefu-text classify+sentiment+mask, 2 threads" "$R2"
printf '%-44s %10s\n' "kefu-text core per CPU-second, 1 thread" "$C1"
printf '%-44s %10s\n' "kefu-text core per CPU-second, 2 threads" "$C2"
printf '%-44s %10s\n' "kefu-text + 5 keywords (jieba-rs), 1 thread" "$K1"
printf '%-44s %10s\n' "kefu-text + 5 keywords (jieba-rs), 2 threads" "$K2"
printf '%-44s %10s\n' "Python jieba.lcut, 1 process" "$PJ"
printf '%-44s %10s\n' "Python SnowNLP sentiments, 1 process" "$PS"
printf '%-44s %10s\n' "Python jieba + SnowNLP, 1 process" "$PP"
awk -v r1="$R1" -v r2="$R2" -v k1="$K1" -v pp="$PP" -v pj="$PJ" -v ps="$PS" -v c2="$C2" 'BEGIN {
  printf "2 idle cores (2 x per-CPU-second rate, 2 threads) %8.0f msg/s\n", 2 * c2
  printf "ratio: Rust 1 thread / Python jieba+SnowNLP      %8.1fx\n", r1 / pp
  printf "ratio: Rust 2 threads / Python jieba+SnowNLP     %8.1fx\n", r2 / pp
  printf "ratio: Rust+keywords 1 thread / Python jieba     %8.1fx\n", k1 / pj
  printf "ratio: Rust 1 thread / Python SnowNLP alone      %8.1fx\n", r1 / ps
}'
