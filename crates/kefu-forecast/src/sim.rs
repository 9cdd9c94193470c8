//! Discrete-event simulation of a chat queue: one FIFO queue, a roster of
//! agents per hour, each agent holding up to `concurrency` chats, customers
//! who give up after an exponential patience, service times resampled from
//! history. It checks what Erlang C cannot: concurrency, rosters that change
//! hour by hour, real (bursty) arrivals, non-exponential service times.
//!
//! Model choices, stated once:
//! * An agent at concurrency c works each chat at f(c)/c of solo speed, so a
//!   chat of solo handling time s occupies a slot for s·c/f(c). A fully
//!   loaded agent then finishes f(c) chats per AHT, the same capacity as
//!   Erlang C with effective AHT = AHT/f(c).
//! * Slots are pooled: a free slot of any agent takes the queue head.
//! * When the roster shrinks, chats in progress finish; no new ones start
//!   until busy slots fall below the new capacity.
//! * Contacts still queued when the roster ends count as offered and not
//!   answered (they never met the target).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use chrono::{Duration, NaiveDateTime, Timelike};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp, Poisson};
use serde::{Serialize, Serializer};

use crate::erlang::ConcurrencyTable;
use crate::series::{TS_FORMAT, parse_ts};
use crate::{ForecastError, ge0, gt0};

const HOUR: f64 = 3600.0;

/// Simulation settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Chats per agent at once.
    pub concurrency: u32,
    /// f(c) table for the slow-down of concurrent chats.
    pub concurrency_table: ConcurrencyTable,
    /// Mean patience in seconds (`None` = nobody abandons).
    pub patience_secs: Option<f64>,
    /// T of SL(T), seconds.
    pub target_answer_secs: f64,
    /// Mean of exponential service times when `service_times` is empty.
    pub aht_secs: f64,
    /// Observed solo handling times (seconds), resampled with replacement.
    pub service_times: Vec<f64>,
    /// Seed of every random draw.
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            concurrency: 1,
            concurrency_table: ConcurrencyTable::default(),
            patience_secs: None,
            target_answer_secs: 60.0,
            aht_secs: 300.0,
            service_times: Vec::new(),
            seed: 42,
        }
    }
}

/// One observed contact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    /// When the contact arrived.
    pub ts: NaiveDateTime,
    /// Its own handling time, when known (else drawn).
    pub service_secs: Option<f64>,
}

/// Where arrivals come from.
#[derive(Debug, Clone)]
pub enum Arrivals {
    /// Real arrival times (e.g. first customer message of each conversation).
    Times(Vec<Arrival>),
    /// Expected contacts per hour (a forecast): Poisson arrivals are drawn.
    Rates(Vec<(NaiveDateTime, f64)>),
}

fn ser_ts<S: Serializer>(ts: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ts.format(TS_FORMAT).to_string())
}

/// Results of one roster hour (contacts counted by arrival hour).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HourReport {
    /// The hour.
    #[serde(serialize_with = "ser_ts")]
    pub ts: NaiveDateTime,
    /// Agents on the roster.
    pub agents: u32,
    /// Contacts that arrived.
    pub offered: u64,
    /// Of those, answered.
    pub answered: u64,
    /// Of those, answered within T.
    pub answered_within_target: u64,
    /// Of those, gave up.
    pub abandoned: u64,
    /// answered within T / offered (1 when nobody came).
    pub service_level: f64,
    /// Mean wait of answered contacts, seconds.
    pub asa_secs: f64,
    /// abandoned / offered.
    pub abandonment_rate: f64,
    /// Busy slot-time / available slot-time in the hour.
    pub occupancy: f64,
}

/// Whole-run results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimReport {
    /// Contacts offered.
    pub offered: u64,
    /// Answered within T / offered.
    pub service_level: f64,
    /// Mean wait of answered contacts, seconds.
    pub asa_secs: f64,
    /// Abandoned / offered.
    pub abandonment_rate: f64,
    /// Busy / available slot-time over the roster.
    pub occupancy: f64,
    /// Per roster hour.
    pub hours: Vec<HourReport>,
}

#[derive(Debug, Clone, Copy)]
struct Contact {
    at: f64,
    service: f64,
    deadline: f64,
}

/// The most contacts one simulation draws: each is an event in memory.
pub const MAX_SIMULATED_CONTACTS: usize = 5_000_000;
/// The longest roster simulated, in hours.
pub const MAX_SIMULATED_HOURS: usize = 24 * 366;

/// Runs the simulation over the roster's hours. Arrivals outside the roster
/// are ignored (nobody is there to staff them).
pub fn simulate(
    roster: &[(NaiveDateTime, u32)],
    arrivals: &Arrivals,
    cfg: &SimConfig,
) -> Result<SimReport, ForecastError> {
    if roster.is_empty() {
        return Err(ForecastError::Invalid("empty roster".into()));
    }
    if cfg.concurrency == 0 {
        return Err(ForecastError::Invalid("concurrency must be ≥ 1".into()));
    }
    let mut roster = roster.to_vec();
    roster.sort_by_key(|r| r.0);
    let origin = roster[0].0;
    let n_hours = (roster[roster.len() - 1].0 - origin).num_hours() as usize + 1;
    if n_hours > MAX_SIMULATED_HOURS {
        return Err(ForecastError::Invalid(format!(
            "the roster spans {n_hours} hours: the simulation takes at most {MAX_SIMULATED_HOURS} (a year)"
        )));
    }
    let mut agents = vec![0u32; n_hours];
    for (ts, a) in &roster {
        if ts.minute() != 0 || ts.second() != 0 {
            return Err(ForecastError::Invalid(format!(
                "roster hour {ts} is not on the hour"
            )));
        }
        agents[(*ts - origin).num_hours() as usize] = *a;
    }
    let end = n_hours as f64 * HOUR;
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let slow = cfg.concurrency as f64 / cfg.concurrency_table.factor(cfg.concurrency);
    let exp_service = Exp::new(1.0 / cfg.aht_secs)
        .map_err(|_| ForecastError::Invalid("AHT must be positive".into()))?;
    let patience = match cfg.patience_secs {
        Some(p) if p > 0.0 && p.is_finite() => {
            Some(Exp::new(1.0 / p).map_err(|_| ForecastError::Invalid("patience".into()))?)
        }
        _ => None,
    };
    if cfg.service_times.iter().any(|s| !ge0(*s)) {
        return Err(ForecastError::Invalid("service times must be ≥ 0".into()));
    }

    if let Arrivals::Rates(rates) = arrivals {
        let expected: f64 = rates.iter().map(|(_, r)| r.max(0.0)).sum();
        if !expected.is_finite() || expected > MAX_SIMULATED_CONTACTS as f64 {
            return Err(ForecastError::Invalid(format!(
                "{expected:.0} contacts expected: the simulation takes at most {MAX_SIMULATED_CONTACTS}; check the rates (contacts per hour)"
            )));
        }
    }

    // Arrival times in seconds from the roster start, sorted.
    let mut times: Vec<(f64, Option<f64>)> = match arrivals {
        Arrivals::Times(v) => v
            .iter()
            .map(|a| {
                (
                    (a.ts - origin).num_milliseconds() as f64 / 1000.0,
                    a.service_secs,
                )
            })
            .filter(|(t, _)| *t >= 0.0 && *t < end)
            .collect(),
        Arrivals::Rates(rates) => {
            let mut v = Vec::new();
            for (ts, rate) in rates {
                let t0 = (*ts - origin).num_seconds() as f64;
                if t0 < 0.0 || t0 >= end || !gt0(*rate) {
                    continue;
                }
                let k = Poisson::new(*rate)
                    .map_err(|_| ForecastError::Invalid(format!("rate {rate}")))?
                    .sample(&mut rng) as usize;
                for _ in 0..k {
                    v.push((t0 + rng.random::<f64>() * HOUR, None));
                }
            }
            v
        }
    };
    times.sort_by(|a, b| a.0.total_cmp(&b.0));
    let contacts: Vec<Contact> = times
        .into_iter()
        .map(|(at, s)| {
            let solo = s.unwrap_or_else(|| {
                if cfg.service_times.is_empty() {
                    exp_service.sample(&mut rng)
                } else {
                    cfg.service_times[rng.random_range(0..cfg.service_times.len())]
                }
            });
            let deadline = patience
                .as_ref()
                .map(|p| at + p.sample(&mut rng))
                .unwrap_or(f64::INFINITY);
            Contact {
                at,
                service: solo * slow,
                deadline,
            }
        })
        .collect();

    #[derive(Default, Clone)]
    struct Acc {
        offered: u64,
        answered: u64,
        within: u64,
        abandoned: u64,
        wait: f64,
        busy: f64,
    }
    let mut acc = vec![Acc::default(); n_hours];
    let hour_of = |t: f64| ((t / HOUR) as usize).min(n_hours - 1);
    for c in &contacts {
        acc[hour_of(c.at)].offered += 1;
    }

    // Completion times of busy slots, as ordered integers (µs) for the heap.
    let key = |t: f64| (t * 1e6) as u64;
    let mut busy: BinaryHeap<Reverse<u64>> = BinaryHeap::new();
    let mut queue: VecDeque<usize> = VecDeque::new();
    let mut next_arrival = 0usize;
    let mut now = 0.0_f64;
    let mut hour = 0usize;
    let t_target = cfg.target_answer_secs;
    let capacity = |h: usize| agents[h.min(n_hours - 1)] as usize * cfg.concurrency as usize;

    loop {
        let t_arr = contacts
            .get(next_arrival)
            .map(|c| c.at)
            .unwrap_or(f64::INFINITY);
        let t_done = busy
            .peek()
            .map(|Reverse(k)| *k as f64 / 1e6)
            .unwrap_or(f64::INFINITY);
        let t_hour = (hour + 1) as f64 * HOUR;
        let t = t_arr.min(t_done).min(t_hour);
        if t >= end {
            acc[hour].busy += busy.len() as f64 * (end - now);
            break;
        }
        acc[hour].busy += busy.len() as f64 * (t - now);
        now = t;
        if t == t_hour {
            hour += 1;
        } else if t == t_done {
            busy.pop();
        } else {
            queue.push_back(next_arrival);
            next_arrival += 1;
        }
        // Start as many queued contacts as free slots allow.
        while busy.len() < capacity(hour) {
            let Some(i) = queue.pop_front() else { break };
            let c = contacts[i];
            let h = hour_of(c.at);
            if c.deadline < now {
                acc[h].abandoned += 1;
                continue;
            }
            let wait = now - c.at;
            acc[h].answered += 1;
            acc[h].wait += wait;
            if wait <= t_target {
                acc[h].within += 1;
            }
            busy.push(Reverse(key(now + c.service)));
        }
    }
    // Still queued at the end: abandoned if their patience ran out in time.
    for i in queue.into_iter().chain(next_arrival..contacts.len()) {
        let c = contacts[i];
        if c.deadline < end {
            acc[hour_of(c.at)].abandoned += 1;
        }
    }

    let hours: Vec<HourReport> = acc
        .iter()
        .enumerate()
        .map(|(h, a)| {
            let slots = capacity(h) as f64 * HOUR;
            HourReport {
                ts: origin + Duration::hours(h as i64),
                agents: agents[h],
                offered: a.offered,
                answered: a.answered,
                answered_within_target: a.within,
                abandoned: a.abandoned,
                service_level: ratio(a.within as f64, a.offered as f64, 1.0),
                asa_secs: ratio(a.wait, a.answered as f64, 0.0),
                abandonment_rate: ratio(a.abandoned as f64, a.offered as f64, 0.0),
                occupancy: ratio(a.busy, slots, 0.0),
            }
        })
        .collect();
    let tot = |f: fn(&Acc) -> f64| acc.iter().map(f).sum::<f64>();
    let offered = tot(|a| a.offered as f64);
    let slots: f64 = (0..n_hours).map(|h| capacity(h) as f64 * HOUR).sum();
    Ok(SimReport {
        offered: offered as u64,
        service_level: ratio(tot(|a| a.within as f64), offered, 1.0),
        asa_secs: ratio(tot(|a| a.wait), tot(|a| a.answered as f64), 0.0),
        abandonment_rate: ratio(tot(|a| a.abandoned as f64), offered, 0.0),
        occupancy: ratio(tot(|a| a.busy), slots, 0.0),
        hours,
    })
}

fn ratio(num: f64, den: f64, empty: f64) -> f64 {
    if den > 0.0 { num / den } else { empty }
}

/// The arrivals from the roster's first hour to the end of its last, in time
/// order: a store's whole history replayed against one roster would count
/// months of contacts nobody was rostered for.
pub fn arrivals_within_roster(
    roster: &[(NaiveDateTime, u32)],
    mut arrivals: Vec<Arrival>,
) -> Vec<Arrival> {
    let first = roster.iter().map(|r| r.0).min();
    let end = roster.iter().map(|r| r.0 + Duration::hours(1)).max();
    arrivals.retain(|x| first.is_some_and(|f| x.ts >= f) && end.is_some_and(|e| x.ts < e));
    arrivals.sort_by_key(|x| x.ts);
    arrivals
}

/// Roster CSV: header `ts,agents`, one row per hour.
pub fn read_roster_csv(path: &std::path::Path) -> Result<Vec<(NaiveDateTime, u32)>, ForecastError> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let ts = parse_ts(rec.get(0).unwrap_or(""))?;
        let a = rec.get(1).unwrap_or("").trim();
        let a: u32 = a.parse().map_err(|_| {
            ForecastError::Invalid(format!("{}: row {}: agents {a:?}", path.display(), i + 2))
        })?;
        out.push((ts, a));
    }
    Ok(out)
}

/// Arrivals CSV: header with a `ts` column (first column if none is named
/// so) and an optional `service_secs` column.
pub fn read_arrivals_csv(path: &std::path::Path) -> Result<Vec<Arrival>, ForecastError> {
    let mut rdr = csv::Reader::from_path(path)?;
    let headers = rdr.headers()?.clone();
    let ts_col = headers.iter().position(|h| h.trim() == "ts").unwrap_or(0);
    let svc_col = headers.iter().position(|h| h.trim() == "service_secs");
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec?;
        let ts = parse_ts(rec.get(ts_col).unwrap_or(""))?;
        let service_secs = match svc_col.and_then(|c| rec.get(c)).map(str::trim) {
            Some("") | None => None,
            Some(s) => Some(s.parse::<f64>().map_err(|_| {
                ForecastError::Invalid(format!(
                    "{}: row {}: service_secs {s:?}",
                    path.display(),
                    i + 2
                ))
            })?),
        };
        out.push(Arrival { ts, service_secs });
    }
    Ok(out)
}

/// Service-time history: one number per line (a header line is skipped;
/// with commas, the first column is used).
pub fn read_service_times(path: &std::path::Path) -> Result<Vec<f64>, ForecastError> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let field = line.split(',').next().unwrap_or("").trim();
        if field.is_empty() {
            continue;
        }
        match field.parse::<f64>() {
            Ok(v) if v >= 0.0 => out.push(v),
            _ if i == 0 => {} // header
            _ => {
                return Err(ForecastError::Invalid(format!(
                    "{}: line {}: {field:?} is not a duration",
                    path.display(),
                    i + 1
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(ForecastError::Invalid(format!(
            "{}: no service times",
            path.display()
        )));
    }
    Ok(out)
}
