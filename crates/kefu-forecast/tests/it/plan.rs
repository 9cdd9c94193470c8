use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use kefu_forecast::{PlanConfig, staffing_plan};
use rand::{SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Poisson};

/// Four weeks of a shop's inquiries: busy 09–22, peak 20–22, quiet nights.
fn history() -> Vec<(NaiveDateTime, f64)> {
    let start = NaiveDate::from_ymd_opt(2026, 2, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let mut rng = StdRng::seed_from_u64(9);
    (0..4 * 168)
        .map(|i| {
            let ts = start + Duration::hours(i);
            let rate = match ts.hour() {
                20..=21 => 90.0,
                9..=19 | 22 => 50.0,
                _ => 3.0,
            };
            (ts, Poisson::new(rate).unwrap().sample(&mut rng))
        })
        .collect()
}

/// The chain end to end: every hour gets at least its Erlang C headcount,
/// and the simulation of the scheduled roster reaches the target SL.
#[test]
fn plan_covers_every_hour_and_the_simulation_confirms_it() {
    let cfg = PlanConfig {
        horizon_hours: 72,
        aht_secs: 240.0,
        target_answer_secs: 30.0,
        service_level: 0.8,
        concurrency: 2,
        ..PlanConfig::default()
    };
    let plan = staffing_plan(&history(), &[], &cfg).unwrap();
    assert_eq!(plan.hours.len(), 72);
    for h in &plan.hours {
        assert!(h.scheduled >= h.required_headcount, "{h:?}");
        assert!(h.required_headcount >= h.raw_agents);
    }
    // The evening peak needs more agents than the afternoon.
    let at = |hour: u32| {
        plan.hours
            .iter()
            .find(|h| h.ts.hour() == hour)
            .unwrap()
            .raw_agents
    };
    assert!(at(21) > at(15), "{} vs {}", at(21), at(15));
    assert_ne!(plan.shifts.status, "greedy");
    assert!(
        plan.simulated.service_level >= cfg.service_level - 0.03,
        "simulated SL {}",
        plan.simulated.service_level
    );
    let paid: u32 = plan.shifts.on_duty.iter().sum();
    assert!(
        plan.shifts.paid_hours >= paid,
        "breaks and run-over are paid, holes are not"
    );
}
