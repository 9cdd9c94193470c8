//! Erlang C and Erlang A, as defined in METRICS.md ("Staffing").
//!
//! The arithmetic deliberately mirrors pyworkforce's `ErlangC` (same order of
//! floating-point operations, same search start) so that the positions we
//! print equal the ones a planner gets from pyworkforce, row for row.

use serde::Serialize;

use crate::{ForecastError, ge0, gt0};

/// Chat concurrency factors: `f(c)` = how many chats' worth of work an agent
/// gets through while holding `c` chats at once, for c = 1, 2, 3, …
///
/// Beyond the table the last factor is kept (agents do not get faster).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ConcurrencyTable(pub Vec<f64>);

impl Default for ConcurrencyTable {
    fn default() -> Self {
        // METRICS.md defaults for c = 1..5.
        Self(vec![1.0, 1.7, 2.5, 2.9, 3.5])
    }
}

impl ConcurrencyTable {
    /// `f(c)`; `c` = 0 is treated as 1.
    pub fn factor(&self, concurrency: u32) -> f64 {
        let c = concurrency.max(1) as usize;
        self.0.get(c - 1).or(self.0.last()).copied().unwrap_or(1.0)
    }

    /// Effective AHT = AHT / f(c).
    pub fn effective_aht(&self, aht_secs: f64, concurrency: u32) -> f64 {
        aht_secs / self.factor(concurrency)
    }

    /// Parses "1,1.7,2.5", f(1), f(2), … (how planners write the table).
    pub fn parse(s: &str) -> Result<Self, ForecastError> {
        let v = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ForecastError::Invalid(format!("concurrency table {s:?}: {e}")))?;
        if v.is_empty() || v.iter().any(|f| !gt0(*f)) {
            return Err(ForecastError::Invalid(format!(
                "concurrency table {s:?}: factors must be positive"
            )));
        }
        Ok(Self(v))
    }
}

/// Inputs of one Erlang C staffing question (one interval).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErlangCInput {
    /// Contacts arriving in the interval.
    pub arrivals: f64,
    /// Interval length in seconds.
    pub interval_secs: f64,
    /// Average handling time in seconds (before concurrency).
    pub aht_secs: f64,
    /// Target answer time T of the service level SL(T), seconds.
    pub target_answer_secs: f64,
    /// Target service level in [0, 1].
    pub service_level: f64,
    /// Share of paid time not on contacts (breaks, training) in [0, 1).
    pub shrinkage: f64,
    /// Maximum occupancy A/N in (0, 1].
    pub max_occupancy: f64,
    /// Simultaneous chats per agent (1 = phone-like).
    pub concurrency: u32,
    /// Factors used to turn concurrency into an effective AHT.
    pub concurrency_table: ConcurrencyTable,
}

impl ErlangCInput {
    /// A plain (non-chat) question with no shrinkage and no occupancy cap.
    pub fn new(
        arrivals: f64,
        interval_secs: f64,
        aht_secs: f64,
        target_answer_secs: f64,
        service_level: f64,
    ) -> Self {
        Self {
            arrivals,
            interval_secs,
            aht_secs,
            target_answer_secs,
            service_level,
            shrinkage: 0.0,
            max_occupancy: 1.0,
            concurrency: 1,
            concurrency_table: ConcurrencyTable::default(),
        }
    }

    fn validate(&self) -> Result<(), ForecastError> {
        let bad = |what: &str| Err(ForecastError::Invalid(what.to_string()));
        if !ge0(self.arrivals) || !self.arrivals.is_finite() {
            return bad("arrivals must be a non-negative number");
        }
        if !gt0(self.interval_secs) || !gt0(self.aht_secs) {
            return bad("interval and AHT must be positive");
        }
        if !ge0(self.target_answer_secs) {
            return bad("target answer time must be non-negative");
        }
        if !(0.0..=1.0).contains(&self.service_level) {
            return bad("service level must be in [0, 1]");
        }
        if !(0.0..1.0).contains(&self.shrinkage) {
            return bad("shrinkage must be in [0, 1)");
        }
        if !(self.max_occupancy > 0.0 && self.max_occupancy <= 1.0) {
            return bad("max occupancy must be in (0, 1]");
        }
        Ok(())
    }

    /// AHT after the concurrency factor.
    pub fn effective_aht(&self) -> f64 {
        self.concurrency_table
            .effective_aht(self.aht_secs, self.concurrency)
    }

    /// Offered load A = λ·AHT in Erlangs (λ per second), computed in
    /// pyworkforce's order: (arrivals / interval) · AHT.
    pub fn traffic_erlangs(&self) -> f64 {
        (self.arrivals / self.interval_secs) * self.effective_aht()
    }
}

/// The answer: the CLI's JSON contract for `kefu staff erlang`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErlangCResult {
    /// Offered load A in Erlangs.
    pub traffic_erlangs: f64,
    /// Agents on contacts needed: smallest N > A meeting SL and max occupancy.
    pub raw_positions: u32,
    /// Headcount to schedule: ⌈N / (1 − shrinkage)⌉.
    pub positions: u32,
    /// SL(T) achieved with `raw_positions`.
    pub service_level: f64,
    /// A / N with `raw_positions`.
    pub occupancy: f64,
    /// Erlang C probability of waiting with `raw_positions`.
    pub waiting_probability: f64,
    /// Mean wait over all contacts (answered immediately included), seconds.
    pub asa_secs: f64,
}

/// Erlang B blocking probability for `n` servers and load `a`, by the stable
/// recursion 1/B(k) = 1 + k/(A·B(k−1)); no factorials, so it works for
/// thousands of servers.
pub fn erlang_b(n: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    let mut inv_b = 1.0_f64;
    for k in 1..=n {
        inv_b = 1.0 + inv_b * k as f64 / a;
    }
    1.0 / inv_b
}

/// Erlang C probability that an arrival waits: N·B / (N − A(1 − B)).
/// Returns 1 when N ≤ A (the queue is unstable: everybody waits).
pub fn waiting_probability(n: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    let nf = n as f64;
    if nf <= a {
        return 1.0;
    }
    let b = erlang_b(n, a);
    nf * b / (nf - a * (1.0 - b))
}

/// SL(T) = 1 − P(wait)·e^(−(N−A)·T/AHT), clamped at 0 like pyworkforce.
pub fn service_level(n: u32, a: f64, target_answer_secs: f64, aht_secs: f64) -> f64 {
    if (n as f64) <= a && a > 0.0 {
        return 0.0;
    }
    let pw = waiting_probability(n, a);
    let exponential = (-(n as f64 - a) * (target_answer_secs / aht_secs)).exp();
    (1.0 - pw * exponential).max(0.0)
}

/// ASA = P(wait)·AHT / (N − A); infinite when N ≤ A.
pub fn asa_secs(n: u32, a: f64, aht_secs: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if (n as f64) <= a {
        return f64::INFINITY;
    }
    waiting_probability(n, a) * aht_secs / (n as f64 - a)
}

/// The most agents one interval is planned for. Past it the input is surely a slip
/// (arrivals per interval mistyped): the search would walk billions of positions.
pub const MAX_AGENTS: u32 = 1_000_000;

fn too_many_agents(a: f64) -> ForecastError {
    ForecastError::Invalid(format!(
        "a load of {a:.0} Erlangs needs more than {MAX_AGENTS} agents in one interval: check the arrivals, the interval and the AHT"
    ))
}

/// Required positions for one interval (METRICS.md "Erlang C").
///
/// Search starts at round(A + 1) (pyworkforce does, and it is always > A)
/// and walks up until SL ≥ target; if occupancy then exceeds the cap,
/// N = ⌈A / max occupancy⌉.
pub fn erlang_c(input: &ErlangCInput) -> Result<ErlangCResult, ForecastError> {
    input.validate()?;
    let aht = input.effective_aht();
    let a = input.traffic_erlangs();
    if a == 0.0 {
        return Ok(ErlangCResult {
            traffic_erlangs: 0.0,
            raw_positions: 0,
            positions: 0,
            service_level: 1.0,
            occupancy: 0.0,
            waiting_probability: 0.0,
            asa_secs: 0.0,
        });
    }
    if a + 1.0 > MAX_AGENTS as f64 {
        return Err(too_many_agents(a));
    }
    // Python's round() is half-to-even; A + 1 is a load, so ties are rare,
    // but mirror it anyway.
    let mut n = (a + 1.0).round_ties_even() as u32;
    let limit = ((a * 10.0 + 1000.0) as u32).min(MAX_AGENTS);
    while service_level(n, a, input.target_answer_secs, aht) < input.service_level {
        n += 1;
        if n > limit {
            return Err(ForecastError::Invalid(format!(
                "service level {} unreachable for load {a}",
                input.service_level
            )));
        }
    }
    if a / n as f64 > input.max_occupancy {
        n = (a / input.max_occupancy).ceil() as u32;
    }
    let positions = (n as f64 / (1.0 - input.shrinkage)).ceil() as u32;
    Ok(ErlangCResult {
        traffic_erlangs: a,
        raw_positions: n,
        positions,
        service_level: service_level(n, a, input.target_answer_secs, aht),
        occupancy: a / n as f64,
        waiting_probability: waiting_probability(n, a),
        asa_secs: asa_secs(n, a, aht),
    })
}

/// Erlang A (M/M/N+M): Erlang C plus customers who give up after an
/// exponential patience. Computed from the birth–death chain's stationary
/// distribution, truncated where the tail no longer matters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErlangAResult {
    /// Offered load A in Erlangs.
    pub traffic_erlangs: f64,
    /// Agents N.
    pub agents: u32,
    /// P(an arrival has to wait).
    pub waiting_probability: f64,
    /// P(an arrival abandons).
    pub abandonment_probability: f64,
    /// Contacts answered within T / contacts offered.
    pub service_level: f64,
    /// Mean time in queue over all arrivals (answered and abandoned), seconds.
    pub mean_wait_secs: f64,
    /// Share of agent time busy.
    pub occupancy: f64,
}

/// Erlang A for `agents` servers; `patience_secs` = mean patience
/// (`f64::INFINITY` gives Erlang C when N > A).
pub fn erlang_a(
    arrivals_per_sec: f64,
    aht_secs: f64,
    agents: u32,
    patience_secs: f64,
    target_answer_secs: f64,
) -> Result<ErlangAResult, ForecastError> {
    if !ge0(arrivals_per_sec) || !gt0(aht_secs) || !gt0(patience_secs) {
        return Err(ForecastError::Invalid(
            "Erlang A needs arrivals ≥ 0, AHT > 0 and patience > 0".into(),
        ));
    }
    if agents > MAX_AGENTS || arrivals_per_sec * aht_secs > MAX_AGENTS as f64 {
        return Err(too_many_agents(arrivals_per_sec * aht_secs));
    }
    let lambda = arrivals_per_sec;
    let mu = 1.0 / aht_secs;
    let theta = if patience_secs.is_finite() {
        1.0 / patience_secs
    } else {
        0.0
    };
    let n = agents as usize;
    let a = lambda * aht_secs;
    if theta == 0.0 && (agents as f64) <= a && a > 0.0 {
        return Err(ForecastError::Invalid(
            "with infinite patience the queue needs more agents than the load".into(),
        ));
    }
    // Unnormalised stationary probabilities, in log-free ratio form; rescale
    // whenever they grow large so that N in the thousands stays finite.
    let mut p: Vec<f64> = vec![1.0];
    let mut max_p = 1.0_f64;
    let mut k = 0usize;
    loop {
        let death = if k < n {
            (k + 1) as f64 * mu
        } else {
            n as f64 * mu + (k + 1 - n) as f64 * theta
        };
        if death == 0.0 {
            break; // no agents and no abandonment: state 0 only if λ = 0
        }
        let next = p[k] * lambda / death;
        p.push(next);
        k += 1;
        if next > max_p {
            max_p = next;
        }
        if max_p > 1e250 {
            for v in p.iter_mut() {
                *v /= max_p;
            }
            max_p = 1.0;
        }
        if (k > n && next < max_p * 1e-17) || k > 2_000_000 || lambda == 0.0 {
            break;
        }
    }
    let total: f64 = p.iter().sum();
    let pi: Vec<f64> = p.iter().map(|v| v / total).collect();
    let p_wait: f64 = pi.iter().skip(n).sum();
    let mean_queue: f64 = pi
        .iter()
        .enumerate()
        .skip(n)
        .map(|(k, v)| (k - n) as f64 * v)
        .sum();
    let busy: f64 = pi
        .iter()
        .enumerate()
        .map(|(k, v)| k.min(n) as f64 * v)
        .sum();
    let (p_abandon, mean_wait) = if lambda > 0.0 {
        (theta * mean_queue / lambda, mean_queue / lambda)
    } else {
        (0.0, 0.0)
    };
    // Served within T: an arrival that finds i others queued moves up at
    // rate Nμ + jθ (j = people ahead) and leaves itself at rate θ. Run that
    // chain from the arrival-time mix by uniformisation up to time T.
    let queue_start: Vec<f64> = pi.iter().skip(n).copied().collect();
    let work = (n as f64 * mu + queue_start.len() as f64 * theta) * target_answer_secs;
    if work * queue_start.len() as f64 > 1e9 {
        return Err(ForecastError::Invalid(
            "patience far shorter than the target answer time: use the simulation".into(),
        ));
    }
    let served_late = served_within(&queue_start, n as f64 * mu, theta, target_answer_secs);
    let sl = (1.0 - p_wait) + served_late;
    Ok(ErlangAResult {
        traffic_erlangs: a,
        agents,
        waiting_probability: p_wait,
        abandonment_probability: p_abandon,
        service_level: sl.clamp(0.0, 1.0),
        mean_wait_secs: mean_wait,
        occupancy: if n > 0 { busy / n as f64 } else { 0.0 },
    })
}

/// Probability mass (out of `start`, indexed by people ahead) that reaches a
/// server within `t` seconds without abandoning.
fn served_within(start: &[f64], service_rate: f64, theta: f64, t: f64) -> f64 {
    if start.is_empty() || service_rate == 0.0 {
        return 0.0;
    }
    let m = start.len();
    let lambda_max = service_rate + m as f64 * theta;
    let lt = lambda_max * t;
    if lt == 0.0 {
        return 0.0;
    }
    // Uniformisation: P(t) = Σ_k Poisson(k; Λt) · v·Pᵏ, with the embedded
    // chain's absorbing "served" state accumulated separately.
    let mut v = start.to_vec();
    let mut served = 0.0; // mass absorbed in "served" so far (after k jumps)
    let mut result = 0.0;
    // Poisson weights computed in log space to survive Λt in the thousands.
    let k_max = (lt + 10.0 * lt.sqrt() + 50.0) as usize;
    let mut cum_weight = 0.0;
    for k in 0..=k_max {
        let log_w = -lt + k as f64 * lt.ln() - ln_factorial(k);
        let w = log_w.exp();
        result += w * served;
        cum_weight += w;
        // One jump of the embedded chain.
        let mut next = vec![0.0; m];
        for (j, &mass) in v.iter().enumerate() {
            if mass == 0.0 {
                continue;
            }
            let move_up = (service_rate + j as f64 * theta) / lambda_max;
            let leave = theta / lambda_max;
            let stay = 1.0 - move_up - leave;
            if j == 0 {
                served += mass * move_up;
            } else {
                next[j - 1] += mass * move_up;
            }
            next[j] += mass * stay;
        }
        v = next;
        if cum_weight > 1.0 - 1e-15 && k as f64 > lt {
            break;
        }
    }
    result
}

/// One interval's staffing question, optionally with customer patience.
#[derive(Debug, Clone, PartialEq)]
pub struct ErlangOptions {
    /// The Erlang C question.
    pub input: ErlangCInput,
    /// Mean patience, seconds: also answer Erlang A for the Erlang C agents.
    pub patience_secs: Option<f64>,
}

/// Erlang C staffing, plus Erlang A for the same agents when patience is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErlangReport {
    #[serde(flatten)]
    pub erlang_c: ErlangCResult,
    /// Absent without patience, so the JSON is exactly the Erlang C keys then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erlang_a: Option<ErlangAResult>,
}

/// Erlang C agents for one interval and, given a patience, what abandonment does
/// to those same agents (Erlang A): the planner sees both answers side by side.
pub fn erlang_report(options: &ErlangOptions) -> Result<ErlangReport, ForecastError> {
    let input = &options.input;
    let erlang_c = erlang_c(input)?;
    let erlang_a = match options.patience_secs {
        Some(p) if erlang_c.raw_positions > 0 => Some(erlang_a(
            input.arrivals / input.interval_secs,
            input.effective_aht(),
            erlang_c.raw_positions,
            p,
            input.target_answer_secs,
        )?),
        _ => None,
    };
    Ok(ErlangReport { erlang_c, erlang_a })
}

fn ln_factorial(k: usize) -> f64 {
    // Exact sum for small k, Stirling with correction beyond.
    if k < 64 {
        (1..=k).map(|i| (i as f64).ln()).sum()
    } else {
        let x = k as f64;
        x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
            - 1.0 / (360.0 * x * x * x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_small_by_hand() {
        // A = 2, N = 2: B = (A²/2!) / (1 + A + A²/2!) = 2 / 5 = 0.4.
        assert!((erlang_b(2, 2.0) - 0.4).abs() < 1e-12);
        // A = 1, N = 1: B = 1 / (1 + 1) = 0.5.
        assert!((erlang_b(1, 1.0) - 0.5).abs() < 1e-12);
    }
}
