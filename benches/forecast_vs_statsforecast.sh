#!/usr/bin/env bash
# kefu-forecast vs statsforecast on the issue-5 protocol: the last 8 weeks of
# an hourly series, rolling origin (each week forecast 168 h ahead from a fit
# on all earlier hours), MASE scaled by the in-sample weekly naive.
#
# usage: benches/forecast_vs_statsforecast.sh [HOURLY_CSV]
#   SF_VENV=/path/to/venv   reuse a venv that has statsforecast (else a
#                           throw-away one is made under /tmp and removed)
#   CARGO_TARGET_DIR        where cargo builds (default: target/)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEFAULT_INPUT=$ROOT/../shared/data/call_volume/anonymous_bank_1999_calls_hourly_dev.csv
INPUT=$(realpath "${1:-$DEFAULT_INPUT}")
EVENTS=$ROOT/crates/kefu-forecast/data/israel_holidays_1999.csv
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK=$(mktemp -d /tmp/kefu-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

(cd "$ROOT" && cargo build --release -q --workspace --bin kefu)
BIN=$TARGET/release/kefu

VENV=${SF_VENV:-}
if [ -z "$VENV" ]; then
  VENV=$WORK/venv
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q statsforecast
fi

echo "input: $INPUT"
echo "machine: $(nproc) cores, $(uname -sr); kefu-forecast release build; statsforecast $("$VENV/bin/python" -c 'import statsforecast; print(statsforecast.__version__)')"
"$BIN" forecast eval --input "$INPUT" --all-models --json > "$WORK/kefu.json"
if [ "$INPUT" = "$(realpath "$DEFAULT_INPUT" 2>/dev/null)" ]; then
  "$BIN" forecast eval --input "$INPUT" --events "$EVENTS" --json > "$WORK/kefu_events.json"
fi

cat > "$WORK/peer.py" <<'PY'
import json, os, sys, time
import numpy as np, pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import MSTL, SeasonalNaive

path, work = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)
y = df.iloc[:, 1].to_numpy(dtype=float)
ts = pd.to_datetime(df.iloc[:, 0])
H, WEEKS = 168, 8
n = len(y)

def run(model, train_ts, train_y):
    frame = pd.DataFrame({"unique_id": "s", "ds": train_ts, "y": train_y})
    fc = StatsForecast(models=[model], freq="h", n_jobs=1).forecast(df=frame, h=H)
    return fc[[c for c in fc.columns if c not in ("unique_id", "ds")][0]].to_numpy()

# Warm-up (numba compiles on first use): not counted in the fit time.
t0 = time.perf_counter()
run(MSTL(season_length=[24, 168]), ts[:3 * H], y[:3 * H])
jit = time.perf_counter() - t0

peer = {}
for name, make in [("MSTL", lambda: MSTL(season_length=[24, 168])),
                   ("SeasonalNaive", lambda: SeasonalNaive(season_length=168))]:
    weeks, secs = [], 0.0
    for w in range(WEEKS):
        origin = n - (WEEKS - w) * H
        train, test = y[:origin], y[origin:origin + H]
        scale = np.mean(np.abs(train[H:] - train[:-H]))
        t0 = time.perf_counter()
        pred = run(make(), ts[:origin], train)
        secs += time.perf_counter() - t0
        weeks.append(float(np.mean(np.abs(test - pred)) / scale))
    peer[name] = {"weekly_mase": weeks, "mean_mase": float(np.mean(weeks)), "fit_secs": secs}

def row(label, r):
    w = " ".join(f"{m:.3f}" for m in r["weekly_mase"])
    print(f"{label:<34} {r['mean_mase']:.4f}   {r['fit_secs']:7.2f}   {w}")

print(f"{'model':<34} {'MASE':<6}   {'fit (s)':>7}   weekly MASE (oldest first)")
kefu = json.load(open(os.path.join(work, "kefu.json")))
for r in kefu:
    row(f"kefu {r['model']}" + (" (choice by backtest)" if r["model"] == "auto" else ""), r)
ev = os.path.join(work, "kefu_events.json")
if os.path.exists(ev):
    for r in json.load(open(ev)):
        row("kefu auto + holiday events", r)
for name, r in peer.items():
    row(f"statsforecast {name}", r)
print(f"(statsforecast numba warm-up, not counted above: {jit:.2f} s)")
auto = kefu[0]
print(f"chosen per week: {' '.join(auto['chosen'])}")
print(f"ratio MASE kefu auto / statsforecast MSTL = {auto['mean_mase'] / peer['MSTL']['mean_mase']:.3f}")
print(f"ratio MASE kefu auto / seasonal naive     = {auto['mean_mase'] / peer['SeasonalNaive']['mean_mase']:.3f}")
print(f"ratio fit time kefu auto / statsforecast MSTL = {auto['fit_secs'] / peer['MSTL']['fit_secs']:.2f}")
PY
"$VENV/bin/python" "$WORK/peer.py" "$INPUT" "$WORK"
