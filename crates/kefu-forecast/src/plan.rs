//! The staffing chain: hourly history → forecast → Erlang C agents per hour
//! → shift programme → simulation of the resulting roster.

use chrono::{NaiveDateTime, Timelike};
use serde::{Serialize, Serializer};

use crate::ForecastError;
use crate::erlang::{ConcurrencyTable, ErlangCInput, erlang_c};
use crate::forecast::{Event, ForecastConfig, forecast_hourly};
use crate::series::TS_FORMAT;
use crate::shifts::{ShiftPlan, ShiftTemplate, StartWindow, solve_shifts};
use crate::sim::{Arrivals, SimConfig, SimReport, simulate};

/// Everything a plan needs besides the history.
#[derive(Debug, Clone)]
pub struct PlanConfig {
    /// Hours to plan after the history ends.
    pub horizon_hours: usize,
    /// Solo handling time of one contact, seconds.
    pub aht_secs: f64,
    /// T of SL(T).
    pub target_answer_secs: f64,
    /// Target SL.
    pub service_level: f64,
    /// Shrinkage (share of paid time off contacts).
    pub shrinkage: f64,
    /// Maximum occupancy.
    pub max_occupancy: f64,
    /// Chats per agent at once.
    pub concurrency: u32,
    /// f(c) table.
    pub concurrency_table: ConcurrencyTable,
    /// Shift shapes.
    pub templates: Vec<ShiftTemplate>,
    /// Earliest shift start, hour of day.
    pub first_start_hour: u32,
    /// Latest shift start, hour of day.
    pub last_start_hour: u32,
    /// Mean patience for the simulation (None = infinite).
    pub patience_secs: Option<f64>,
    /// Observed handling times for the simulation (empty = exponential).
    pub service_times: Vec<f64>,
    /// Simulation seed.
    pub seed: u64,
    /// Forecast settings.
    pub forecast: ForecastConfig,
}

impl Default for PlanConfig {
    fn default() -> Self {
        Self {
            horizon_hours: 168,
            aht_secs: 300.0,
            target_answer_secs: 60.0,
            service_level: 0.8,
            shrinkage: 0.3,
            max_occupancy: 0.85,
            concurrency: 1,
            concurrency_table: ConcurrencyTable::default(),
            templates: ShiftTemplate::defaults(),
            first_start_hour: 0,
            last_start_hour: 23,
            patience_secs: None,
            service_times: Vec::new(),
            seed: 42,
            forecast: ForecastConfig::default(),
        }
    }
}

fn ser_ts<S: Serializer>(ts: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ts.format(TS_FORMAT).to_string())
}

/// One planned hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanHour {
    /// The hour.
    #[serde(serialize_with = "ser_ts")]
    pub ts: NaiveDateTime,
    /// Forecast contacts.
    pub forecast: f64,
    /// Erlang C agents on contacts.
    pub raw_agents: u32,
    /// Agents to have on shift (shrinkage included).
    pub required_headcount: u32,
    /// Agents the shift plan puts on duty.
    pub scheduled: u32,
    /// Simulated SL of the hour (1 when no contact arrived).
    pub simulated_sl: f64,
    /// Simulated mean wait of answered contacts, seconds.
    pub simulated_asa_secs: f64,
}

/// The plan: per hour, the shifts, and the simulated outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffingPlan {
    /// Forecast model used.
    pub model: String,
    /// Per planned hour.
    pub hours: Vec<PlanHour>,
    /// Solved shifts (start = index into `hours`).
    pub shifts: ShiftPlan,
    /// Simulation of the scheduled roster (productive agents = scheduled ×
    /// (1 − shrinkage), rounded down) against Poisson arrivals at the forecast.
    pub simulated: SimReport,
}

/// Builds a staffing plan from an hourly history (e.g. inquiries per hour of
/// one shop) for the `horizon_hours` after it.
pub fn staffing_plan(
    history: &[(NaiveDateTime, f64)],
    events: &[Event],
    cfg: &PlanConfig,
) -> Result<StaffingPlan, ForecastError> {
    let fc = forecast_hourly(history, cfg.horizon_hours, events, &cfg.forecast)?;
    let mut raw = Vec::with_capacity(fc.forecast.len());
    let mut head = Vec::with_capacity(fc.forecast.len());
    for p in &fc.forecast {
        let r = erlang_c(&ErlangCInput {
            arrivals: p.value,
            interval_secs: 3600.0,
            aht_secs: cfg.aht_secs,
            target_answer_secs: cfg.target_answer_secs,
            service_level: cfg.service_level,
            shrinkage: cfg.shrinkage,
            max_occupancy: cfg.max_occupancy,
            concurrency: cfg.concurrency,
            concurrency_table: cfg.concurrency_table.clone(),
        })?;
        raw.push(r.raw_positions);
        head.push(r.positions);
    }
    let first = fc
        .forecast
        .first()
        .map(|p| p.ts)
        .ok_or_else(|| ForecastError::Invalid("horizon must be at least one hour".into()))?;
    let window = StartWindow {
        first_hour_of_day: first.hour(),
        earliest: cfg.first_start_hour,
        latest: cfg.last_start_hour,
    };
    let shifts = solve_shifts(&head, &cfg.templates, &window, 20.0)?;
    let roster: Vec<(NaiveDateTime, u32)> = fc
        .forecast
        .iter()
        .zip(&shifts.on_duty)
        .map(|(p, &d)| {
            (
                p.ts,
                (d as f64 * (1.0 - cfg.shrinkage) + 1e-9).floor() as u32,
            )
        })
        .collect();
    let rates: Vec<(NaiveDateTime, f64)> = fc.forecast.iter().map(|p| (p.ts, p.value)).collect();
    let sim_cfg = SimConfig {
        concurrency: cfg.concurrency,
        concurrency_table: cfg.concurrency_table.clone(),
        patience_secs: cfg.patience_secs,
        target_answer_secs: cfg.target_answer_secs,
        aht_secs: cfg.aht_secs,
        service_times: cfg.service_times.clone(),
        seed: cfg.seed,
    };
    let simulated = simulate(&roster, &Arrivals::Rates(rates), &sim_cfg)?;
    let hours = fc
        .forecast
        .iter()
        .enumerate()
        .map(|(i, p)| PlanHour {
            ts: p.ts,
            forecast: p.value,
            raw_agents: raw[i],
            required_headcount: head[i],
            scheduled: shifts.on_duty[i],
            simulated_sl: simulated.hours[i].service_level,
            simulated_asa_secs: simulated.hours[i].asa_secs,
        })
        .collect();
    Ok(StaffingPlan {
        model: fc.model,
        hours,
        shifts,
        simulated,
    })
}
