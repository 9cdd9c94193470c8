//! Shop-local time: local dates and hours, the assessment window and business seconds.
//!
//! METRICS.md: every hour/day/weekday is shop time, and every duration is stored twice,
//! calendar seconds and seconds inside the assessment window ("business seconds").

use crate::FactError;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;
use kefu_model::ShopConfig;
use kefu_model::config::Interval;
use std::collections::BTreeSet;

/// A shop's clock: its timezone and its parsed weekly assessment intervals.
#[derive(Debug, Clone)]
pub struct ShopClock {
    tz: Tz,
    /// Index 0 = Monday.
    weekly: [Vec<Interval>; 7],
    holidays: BTreeSet<NaiveDate>,
}

impl ShopClock {
    pub fn new(cfg: &ShopConfig) -> Result<ShopClock, FactError> {
        let tz = cfg.tz().map_err(|e| FactError::Config(e.to_string()))?;
        // `AssessmentWindow::intervals` resolves weekday overrides; ask it for seven
        // reference dates (1900-01-01 was a Monday; nobody lists it as a holiday) and
        // keep the holidays apart, so nothing is parsed again per round.
        let mut weekly: [Vec<Interval>; 7] = Default::default();
        let monday = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
        for (i, slot) in weekly.iter_mut().enumerate() {
            let d = monday + Duration::days(i as i64);
            let aw = kefu_model::config::AssessmentWindow {
                holidays: Vec::new(),
                ..cfg.assessment_window.clone()
            };
            *slot = aw
                .intervals(d)
                .map_err(|e| FactError::Config(e.to_string()))?;
        }
        Ok(ShopClock {
            tz,
            weekly,
            holidays: cfg.assessment_window.holidays.iter().copied().collect(),
        })
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date()
    }

    /// Shop-local hour of day, 0–23.
    pub fn local_hour(&self, t: DateTime<Utc>) -> i32 {
        self.local(t).hour() as i32
    }

    /// Shop-local ISO weekday, Monday = 1 … Sunday = 7.
    pub fn weekday(&self, t: DateTime<Utc>) -> i32 {
        self.local(t).weekday().number_from_monday() as i32
    }

    fn intervals(&self, d: NaiveDate) -> &[Interval] {
        if self.holidays.contains(&d) {
            return &[];
        }
        &self.weekly[d.weekday().num_days_from_monday() as usize]
    }

    /// Whether an instant lies inside the assessment window (start inclusive, end
    /// exclusive), which decides the rounds the 3-minute and not-served rates count.
    pub fn in_window(&self, t: DateTime<Utc>) -> bool {
        let l = self.local(t);
        let time = l.time();
        self.intervals(l.date())
            .iter()
            .any(|iv| time >= iv.start && iv.end.is_none_or(|e| time < e))
    }

    /// A local wall-clock time as an instant; a time skipped by a DST change maps to
    /// the first instant after the gap, a repeated one to its earlier occurrence.
    fn instant(&self, l: NaiveDateTime) -> DateTime<Utc> {
        let mut probe = l;
        for _ in 0..=180 {
            match self.tz.from_local_datetime(&probe) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                LocalResult::Ambiguous(a, _) => return a.with_timezone(&Utc),
                LocalResult::None => probe += Duration::minutes(1),
            }
        }
        Utc.from_utc_datetime(&l)
    }

    /// Seconds of `[a, b)` that fall inside the assessment window.
    pub fn business_secs(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
        if b <= a {
            return 0.0;
        }
        let first = self.local_date(a) - Duration::days(1);
        let last = self.local_date(b) + Duration::days(1);
        let mut total: i64 = 0;
        let mut d = first;
        while d <= last {
            for iv in self.intervals(d) {
                let s = self.instant(d.and_time(iv.start));
                let e = match iv.end {
                    Some(e) => self.instant(d.and_time(e)),
                    None => self.instant((d + Duration::days(1)).and_time(NaiveTime::MIN)),
                };
                let lo = s.max(a);
                let hi = e.min(b);
                if hi > lo {
                    total += (hi - lo).num_microseconds().unwrap_or(i64::MAX / 2);
                }
            }
            d += Duration::days(1);
        }
        total as f64 / 1e6
    }
}

/// Calendar seconds from `a` to `b` (microsecond precision, as stored).
pub fn secs(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    (b - a).num_microseconds().unwrap_or(0) as f64 / 1e6
}
