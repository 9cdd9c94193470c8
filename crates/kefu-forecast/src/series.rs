//! Hourly series: the `ts,value` CSV contract and gap handling.

use chrono::{Duration, NaiveDateTime, Timelike};

use crate::ForecastError;

/// Timestamp format of every CSV this crate reads or writes.
pub const TS_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// A regular hourly series: `values[i]` is the hour `start + i h`.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlySeries {
    /// First hour (minutes and seconds zero).
    pub start: NaiveDateTime,
    /// One value per hour, no gaps.
    pub values: Vec<f64>,
}

impl HourlySeries {
    /// Builds a regular series from (hour, value) pairs in any order.
    ///
    /// Missing hours become 0 (no contacts were recorded), duplicate hours
    /// are summed (two exports of the same hour add up), timestamps must sit
    /// on the hour.
    pub fn from_pairs(pairs: &[(NaiveDateTime, f64)]) -> Result<Self, ForecastError> {
        if pairs.is_empty() {
            return Err(ForecastError::Invalid("empty series".into()));
        }
        let mut sorted = pairs.to_vec();
        sorted.sort_by_key(|p| p.0);
        for (ts, v) in &sorted {
            if ts.minute() != 0 || ts.second() != 0 {
                return Err(ForecastError::Invalid(format!("{ts} is not on the hour")));
            }
            if !v.is_finite() || *v < 0.0 {
                return Err(ForecastError::Invalid(format!("value {v} at {ts}")));
            }
        }
        let start = sorted[0].0;
        let end = sorted[sorted.len() - 1].0;
        let len = (end - start).num_hours() as usize + 1;
        let mut values = vec![0.0; len];
        for (ts, v) in sorted {
            values[(ts - start).num_hours() as usize] += v;
        }
        Ok(Self { start, values })
    }

    /// Timestamp of index `i` (may be past the end, for forecasts).
    pub fn ts(&self, i: usize) -> NaiveDateTime {
        self.start + Duration::hours(i as i64)
    }

    /// Number of hours.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there are no hours.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// (ts, value) pairs, the plain form other crates hand us.
    pub fn pairs(&self) -> Vec<(NaiveDateTime, f64)> {
        self.values
            .iter()
            .enumerate()
            .map(|(i, v)| (self.ts(i), *v))
            .collect()
    }
}

/// Parses a `YYYY-MM-DD HH:MM:SS` timestamp (also accepts `T` and a bare date).
pub fn parse_ts(s: &str) -> Result<NaiveDateTime, ForecastError> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, TS_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists"))
        })
        .map_err(|_| ForecastError::Invalid(format!("timestamp {s:?}: want YYYY-MM-DD HH:MM:SS")))
}

/// Reads a CSV whose first column is the hour and second the value (the
/// header names are not checked, so `ts,calls` works as well as `ts,value`).
pub fn read_series_csv(path: &std::path::Path) -> Result<HourlySeries, ForecastError> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut pairs = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let (Some(ts), Some(v)) = (rec.get(0), rec.get(1)) else {
            return Err(ForecastError::Invalid(format!(
                "{}: row {} needs ts,value",
                path.display(),
                i + 2
            )));
        };
        let v: f64 = v.trim().parse().map_err(|_| {
            ForecastError::Invalid(format!("{}: row {}: value {v:?}", path.display(), i + 2))
        })?;
        pairs.push((parse_ts(ts)?, v));
    }
    HourlySeries::from_pairs(&pairs)
}
