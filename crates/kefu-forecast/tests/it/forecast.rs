use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use kefu_forecast::forecast::{
    Event, EventKind, ForecastConfig, ModelKind, eval_protocol, forecast_hourly, mase,
    weekly_naive_scale,
};
use kefu_forecast::series::{HourlySeries, read_series_csv};
use rand::{SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Poisson};

use crate::shared_data;

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 4)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// Poisson counts around a daily × weekly shape with quiet Saturdays.
fn synthetic(weeks: usize, seed: u64) -> Vec<(NaiveDateTime, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..weeks * 168)
        .map(|i| {
            let ts = start() + Duration::hours(i as i64);
            let hod = ts.hour() as f64;
            let daily = (((hod - 6.0) / 24.0 * std::f64::consts::TAU).sin()).max(0.0) * 40.0 + 1.0;
            let weekly = if i / 24 % 7 == 6 { 0.1 } else { 1.0 };
            let lambda = daily * weekly;
            (ts, Poisson::new(lambda).unwrap().sample(&mut rng))
        })
        .collect()
}

#[test]
fn forecast_has_the_right_length_and_is_non_negative() {
    let history = synthetic(6, 1);
    for horizon in [1, 24, 100, 400] {
        let fc = forecast_hourly(&history, horizon, &[], &ForecastConfig::default()).unwrap();
        assert_eq!(fc.forecast.len(), horizon);
        let last = history.last().unwrap().0;
        for (i, p) in fc.forecast.iter().enumerate() {
            assert_eq!(p.ts, last + Duration::hours(i as i64 + 1));
            assert!(p.value >= 0.0 && p.lo >= 0.0, "{p:?}");
            assert!(p.lo <= p.value && p.value <= p.hi, "{p:?}");
        }
        assert!(!fc.backtest.scores.is_empty());
        assert_eq!(
            fc.model, fc.backtest.scores[0].model,
            "the best backtest score wins"
        );
    }
}

#[test]
fn every_model_is_non_negative_even_on_sparse_counts() {
    // Mostly zeros: raw-scale models would dip below zero without clamping.
    let mut history = synthetic(5, 2);
    for (i, p) in history.iter_mut().enumerate() {
        if i % 5 != 0 {
            p.1 = 0.0;
        }
    }
    for m in ModelKind::ALL {
        let cfg = ForecastConfig {
            models: vec![m],
            ..ForecastConfig::default()
        };
        let fc = forecast_hourly(&history, 168, &[], &cfg).unwrap();
        assert_eq!(fc.model, m.name());
        assert!(
            fc.forecast.iter().all(|p| p.value >= 0.0 && p.lo >= 0.0),
            "{m:?}"
        );
    }
}

#[test]
fn short_history_still_forecasts() {
    let history = synthetic(1, 3)[..60].to_vec();
    let fc = forecast_hourly(&history, 30, &[], &ForecastConfig::default()).unwrap();
    assert_eq!(fc.forecast.len(), 30);
    assert_eq!(fc.model, "daily_profile");
}

#[test]
fn known_holiday_lowers_its_day() {
    // Holidays every other Monday in the history are near-empty days; the
    // same in the horizon must be forecast low.
    let mut history = synthetic(8, 4);
    let mut events = Vec::new();
    for w in [1usize, 3, 5] {
        let day = w * 7 + 1;
        for p in history.iter_mut().skip(day * 24).take(24) {
            p.1 = (p.1 * 0.1).round();
        }
        events.push(Event {
            date: history[day * 24].0.date(),
            kind: EventKind::Holiday,
        });
    }
    let next_monday = history.last().unwrap().0.date() + Duration::days(2);
    events.push(Event {
        date: next_monday,
        kind: EventKind::Holiday,
    });
    let cfg = ForecastConfig::default();
    let with = forecast_hourly(&history, 168, &events, &cfg).unwrap();
    let without = forecast_hourly(&history, 168, &events[..3], &cfg).unwrap();
    let day_sum = |fc: &kefu_forecast::Forecast| -> f64 {
        fc.forecast
            .iter()
            .filter(|p| p.ts.date() == next_monday)
            .map(|p| p.value)
            .sum()
    };
    assert!(
        day_sum(&with) < 0.3 * day_sum(&without),
        "{} vs {}",
        day_sum(&with),
        day_sum(&without)
    );
}

#[test]
fn mase_scale_is_the_weekly_naive() {
    // y alternates 0/2 by week: |y_t − y_{t−168}| = 2 everywhere.
    let train: Vec<f64> = (0..3 * 168)
        .map(|i| if i / 168 % 2 == 0 { 0.0 } else { 2.0 })
        .collect();
    assert_eq!(weekly_naive_scale(&train), 2.0);
    let actual = vec![1.0; 168];
    let pred = vec![2.0; 168];
    assert_eq!(mase(&train, &actual, &pred), 0.5);
}

/// The bank call-centre file: the automatic choice must beat the weekly
/// seasonal naive over the last 2 weeks (the full 8-week comparison with
/// statsforecast is `benches/forecast_vs_statsforecast.sh`).
#[test]
fn beats_seasonal_naive_on_the_bank_series() {
    let path = shared_data("call_volume/anonymous_bank_1999_calls_hourly_dev.csv");
    assert!(path.exists(), "missing {}", path.display());
    let series: HourlySeries = read_series_csv(&path).unwrap();
    assert_eq!(series.len(), 7416);
    let cfg = ForecastConfig::default();
    let auto = eval_protocol(&series, 2, &[], &cfg, None).unwrap();
    let naive = eval_protocol(&series, 2, &[], &cfg, Some(ModelKind::SeasonalNaive)).unwrap();
    assert!(auto.mean_mase < naive.mean_mase, "{auto:?} vs {naive:?}");
}

#[test]
fn series_fills_gaps_sums_duplicates_and_rejects_off_hour() {
    let h = |d: u32, hh: u32| {
        NaiveDate::from_ymd_opt(2026, 1, d)
            .unwrap()
            .and_hms_opt(hh, 0, 0)
            .unwrap()
    };
    let s = HourlySeries::from_pairs(&[(h(1, 3), 2.0), (h(1, 0), 1.0), (h(1, 3), 5.0)]).unwrap();
    assert_eq!(s.start, h(1, 0));
    assert_eq!(s.values, vec![1.0, 0.0, 0.0, 7.0]);
    let off = h(1, 0) + Duration::minutes(30);
    assert!(HourlySeries::from_pairs(&[(off, 1.0)]).is_err());
    assert!(HourlySeries::from_pairs(&[(h(1, 0), -1.0)]).is_err());
    assert!(HourlySeries::from_pairs(&[]).is_err());
}

#[test]
fn events_csv_reads_holidays_and_campaigns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ev.csv");
    std::fs::write(&p, "date,kind\n2026-11-11,campaign\n2026-10-01,holiday\n").unwrap();
    let ev = kefu_forecast::read_events_csv(&p).unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].kind, EventKind::Campaign);
    assert_eq!(ev[1].date, NaiveDate::from_ymd_opt(2026, 10, 1).unwrap());
    std::fs::write(&p, "date,kind\n2026-11-11,party\n").unwrap();
    assert!(kefu_forecast::read_events_csv(&p).is_err());
}
