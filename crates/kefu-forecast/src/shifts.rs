//! Shift scheduling: cover each hour's required headcount with shifts from
//! templates at minimum cost, as an integer programme (good_lp + microlp, a
//! pure-Rust solver, so no C library to install).
//!
//! Variables: x(template, start hour) ≥ 0 integer = agents starting that
//! shift. For every hour h: Σ x over shifts on duty at h ≥ required(h).
//! Objective: Σ x · paid hours · cost per paid hour.

use good_lp::{
    Expression, ProblemVariables, ResolutionError, Solution, SolutionStatus, SolverModel, Variable,
    WithInitialSolution, WithMipGap, WithTimeLimit, constraint, microlp, variable,
};
use serde::Serialize;

use crate::{ForecastError, gt0};

/// A shift shape: `span_hours` from start to end, an optional one-hour
/// unpaid break `break_after` hours in, and a cost per paid hour.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftTemplate {
    /// Label in plans and spreadsheets.
    pub name: String,
    /// Hours from start to end, break included.
    pub span_hours: u32,
    /// The break starts this many hours after the shift starts (None = no break).
    pub break_after: Option<u32>,
    /// Cost of one paid hour (lets part-time shifts cost more per hour).
    pub cost_per_hour: f64,
}

impl ShiftTemplate {
    /// An 8-hour day (9-hour span, break after 4 h) and a 4-hour part-time
    /// shift at 10 % more per hour: the shapes most CS teams schedule.
    pub fn defaults() -> Vec<ShiftTemplate> {
        vec![
            ShiftTemplate {
                name: "full8".into(),
                span_hours: 9,
                break_after: Some(4),
                cost_per_hour: 1.0,
            },
            ShiftTemplate {
                name: "part4".into(),
                span_hours: 4,
                break_after: None,
                cost_per_hour: 1.1,
            },
        ]
    }

    /// Parses `name:span_hours:break_after:cost` (break_after 0 = no break).
    pub fn parse(s: &str) -> Result<Self, ForecastError> {
        let bad =
            || ForecastError::Invalid(format!("shift {s:?}: want name:span:break_after:cost"));
        let p: Vec<&str> = s.split(':').collect();
        if p.len() != 4 {
            return Err(bad());
        }
        let span: u32 = p[1].parse().map_err(|_| bad())?;
        let brk: u32 = p[2].parse().map_err(|_| bad())?;
        let cost: f64 = p[3].parse().map_err(|_| bad())?;
        let t = ShiftTemplate {
            name: p[0].to_string(),
            span_hours: span,
            break_after: (brk > 0).then_some(brk),
            cost_per_hour: cost,
        };
        t.validate()?;
        Ok(t)
    }

    fn validate(&self) -> Result<(), ForecastError> {
        if self.span_hours == 0 || self.span_hours > 24 {
            return Err(ForecastError::Invalid(format!(
                "shift {}: span 1..24",
                self.name
            )));
        }
        if let Some(b) = self.break_after
            && b + 1 >= self.span_hours
        {
            return Err(ForecastError::Invalid(format!(
                "shift {}: the break must fall inside the shift",
                self.name
            )));
        }
        if !gt0(self.cost_per_hour) {
            return Err(ForecastError::Invalid(format!(
                "shift {}: cost > 0",
                self.name
            )));
        }
        Ok(())
    }

    /// Hours actually worked (paid).
    pub fn paid_hours(&self) -> u32 {
        self.span_hours - u32::from(self.break_after.is_some())
    }

    /// Is the agent working `offset` hours after the start?
    pub fn on_duty(&self, offset: u32) -> bool {
        offset < self.span_hours && Some(offset) != self.break_after
    }
}

/// `count` agents start `template` at hour index `start`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftAssignment {
    /// Template name.
    pub template: String,
    /// Hour index (0 = first planned hour) the shift starts.
    pub start: usize,
    /// Agents on this shift.
    pub count: u32,
}

/// The solved plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShiftPlan {
    /// Shifts with at least one agent, by start.
    pub assignments: Vec<ShiftAssignment>,
    /// Agents on duty per planned hour.
    pub on_duty: Vec<u32>,
    /// Σ paid hours.
    pub paid_hours: u32,
    /// Objective value.
    pub cost: f64,
    /// "optimal", "gap" (within 1 % of optimal) or "time_limit".
    pub status: String,
}

/// Which starts are allowed: hour of day of each planned hour, and the
/// window of start hours.
#[derive(Debug, Clone)]
pub struct StartWindow {
    /// Hour of day (0..24) of planned hour 0.
    pub first_hour_of_day: u32,
    /// Earliest start hour of day.
    pub earliest: u32,
    /// Latest start hour of day.
    pub latest: u32,
}

impl Default for StartWindow {
    fn default() -> Self {
        Self {
            first_hour_of_day: 0,
            earliest: 0,
            latest: 23,
        }
    }
}

/// Solves the covering programme for `required[h]` agents at planned hour h.
/// Shifts may run past the last planned hour (they are still paid); they
/// may not start before hour 0.
pub fn solve_shifts(
    required: &[u32],
    templates: &[ShiftTemplate],
    window: &StartWindow,
    time_limit_secs: f64,
) -> Result<ShiftPlan, ForecastError> {
    if templates.is_empty() {
        return Err(ForecastError::Invalid("no shift templates".into()));
    }
    for t in templates {
        t.validate()?;
    }
    let n = required.len();
    let allowed = |s: usize| {
        let hod = (window.first_hour_of_day + s as u32) % 24;
        if window.earliest <= window.latest {
            (window.earliest..=window.latest).contains(&hod)
        } else {
            hod >= window.earliest || hod <= window.latest
        }
    };
    let mut vars = ProblemVariables::new();
    let mut shifts: Vec<(usize, usize, Variable)> = Vec::new(); // (template, start, var)
    for (ti, t) in templates.iter().enumerate() {
        for s in (0..n).filter(|s| allowed(*s)) {
            // A shift that covers no hour with demand is never useful.
            let useful = (0..t.span_hours as usize)
                .any(|o| s + o < n && t.on_duty(o as u32) && required[s + o] > 0);
            if useful {
                shifts.push((ti, s, vars.add(variable().integer().min(0))));
            }
        }
    }
    // Coverage rows; an hour with demand and no possible shift is infeasible.
    let mut cover: Vec<Expression> = vec![Expression::from(0.0); n];
    let mut coverable = vec![false; n];
    for &(ti, s, v) in &shifts {
        let t = &templates[ti];
        for o in 0..t.span_hours as usize {
            if s + o < n && t.on_duty(o as u32) {
                cover[s + o] += v;
                coverable[s + o] = true;
            }
        }
    }
    if let Some(h) = (0..n).find(|&h| required[h] > 0 && !coverable[h]) {
        return Err(ForecastError::Solver(format!(
            "hour {h} needs {} agents but no allowed shift covers it",
            required[h]
        )));
    }
    let objective: Expression = shifts
        .iter()
        .map(|&(ti, _, v)| {
            let t = &templates[ti];
            t.cost_per_hour * t.paid_hours() as f64 * v
        })
        .sum();
    // Warm start: a greedy cover (each short hour gets the cheapest-per-hour
    // template starting as late as still covers it), so the time limit
    // always leaves a feasible answer.
    let greedy = greedy_cover(required, templates, &shifts);
    let mut problem = vars
        .minimise(objective)
        .using(microlp)
        .with_mip_gap(0.01)
        .map_err(|e| ForecastError::Solver(e.to_string()))?
        .with_time_limit(time_limit_secs)
        .with_initial_solution(shifts.iter().zip(&greedy).map(|(s, g)| (s.2, *g as f64)));
    for (h, expr) in cover.into_iter().enumerate() {
        if required[h] > 0 {
            problem = problem.with(constraint!(expr >= required[h] as f64));
        }
    }
    let (counts, status) = match problem.solve() {
        Ok(sol) => {
            let status = match sol.status() {
                SolutionStatus::Optimal => "optimal",
                SolutionStatus::GapLimit => "gap",
                SolutionStatus::TimeLimit => "time_limit",
            };
            let counts: Vec<u32> = shifts
                .iter()
                .map(|s| sol.value(s.2).round().max(0.0) as u32)
                .collect();
            (counts, status)
        }
        // Timed out before improving on anything: keep the greedy cover.
        Err(ResolutionError::Other(_)) | Err(ResolutionError::Str(_)) => (greedy, "greedy"),
        Err(e) => return Err(ForecastError::Solver(e.to_string())),
    };
    let mut on_duty = vec![0u32; n];
    let mut assignments = Vec::new();
    let mut paid = 0u32;
    let mut cost = 0.0;
    for (&(ti, s, _), &c) in shifts.iter().zip(&counts) {
        if c == 0 {
            continue;
        }
        let t = &templates[ti];
        for o in 0..t.span_hours as usize {
            if s + o < n && t.on_duty(o as u32) {
                on_duty[s + o] += c;
            }
        }
        paid += c * t.paid_hours();
        cost += c as f64 * t.paid_hours() as f64 * t.cost_per_hour;
        assignments.push(ShiftAssignment {
            template: t.name.clone(),
            start: s,
            count: c,
        });
    }
    assignments.sort_by_key(|a| (a.start, a.template.clone()));
    if let Some(h) = (0..n).find(|&h| on_duty[h] < required[h]) {
        return Err(ForecastError::Solver(format!(
            "solution leaves hour {h} short ({} < {})",
            on_duty[h], required[h]
        )));
    }
    Ok(ShiftPlan {
        assignments,
        on_duty,
        paid_hours: paid,
        cost,
        status: status.into(),
    })
}

fn greedy_cover(
    required: &[u32],
    templates: &[ShiftTemplate],
    shifts: &[(usize, usize, Variable)],
) -> Vec<u32> {
    let n = required.len();
    let mut counts = vec![0u32; shifts.len()];
    let mut on = vec![0u32; n];
    let covers = |i: usize, h: usize| {
        let (ti, s, _) = shifts[i];
        h >= s && templates[ti].on_duty((h - s) as u32)
    };
    for h in 0..n {
        while on[h] < required[h] {
            // The shift covering h that covers the most still-short hours
            // per unit cost.
            let best = (0..shifts.len())
                .filter(|&i| covers(i, h))
                .max_by(|&a, &b| {
                    let score = |i: usize| {
                        let (ti, s, _) = shifts[i];
                        let t = &templates[ti];
                        let gain = (0..t.span_hours as usize)
                            .filter(|&o| {
                                s + o < n && t.on_duty(o as u32) && on[s + o] < required[s + o]
                            })
                            .count() as f64;
                        gain / (t.cost_per_hour * t.paid_hours() as f64)
                    };
                    score(a).total_cmp(&score(b))
                });
            let Some(i) = best else { break };
            counts[i] += 1;
            let (ti, s, _) = shifts[i];
            let t = &templates[ti];
            for o in 0..t.span_hours as usize {
                if s + o < n && t.on_duty(o as u32) {
                    on[s + o] += 1;
                }
            }
        }
    }
    counts
}
