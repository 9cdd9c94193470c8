use chrono::{Duration, NaiveDate, NaiveDateTime};
use kefu_forecast::erlang::{erlang_a, service_level, waiting_probability};
use kefu_forecast::sim::{Arrival, Arrivals, SimConfig, simulate};

fn t0() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 5)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

fn flat(hours: usize, agents: u32, rate: f64) -> (Vec<(NaiveDateTime, u32)>, Arrivals) {
    let roster = (0..hours)
        .map(|h| (t0() + Duration::hours(h as i64), agents))
        .collect();
    let rates = (0..hours)
        .map(|h| (t0() + Duration::hours(h as i64), rate))
        .collect();
    (roster, Arrivals::Rates(rates))
}

/// Poisson arrivals, exponential service, one chat per agent, no
/// abandonment, constant staff: exactly Erlang C's assumptions.
/// A = 48/h · 300 s = 4 Erlangs on 5 agents.
#[test]
fn agrees_with_erlang_c_where_its_assumptions_hold() {
    let (roster, arrivals) = flat(3000, 5, 48.0);
    let cfg = SimConfig {
        aht_secs: 300.0,
        target_answer_secs: 60.0,
        seed: 7,
        ..SimConfig::default()
    };
    let r = simulate(&roster, &arrivals, &cfg).unwrap();
    let sl = service_level(5, 4.0, 60.0, 300.0);
    let asa = waiting_probability(5, 4.0) * 300.0 / 1.0;
    assert!(r.offered > 140_000, "{}", r.offered);
    assert!(
        (r.service_level - sl).abs() < 0.02,
        "sim SL {} vs Erlang C {sl}",
        r.service_level
    );
    // The simulation's ASA is over answered contacts = all of them here.
    assert!(
        (r.asa_secs - asa).abs() / asa < 0.10,
        "sim ASA {} vs {asa}",
        r.asa_secs
    );
    assert!(
        (r.occupancy - 0.8).abs() < 0.02,
        "occupancy {}",
        r.occupancy
    );
    assert_eq!(r.abandonment_rate, 0.0);
}

/// With exponential patience the simulation should match Erlang A.
#[test]
fn abandonment_agrees_with_erlang_a() {
    let (roster, arrivals) = flat(2000, 4, 48.0);
    let cfg = SimConfig {
        aht_secs: 300.0,
        target_answer_secs: 60.0,
        patience_secs: Some(120.0),
        seed: 11,
        ..SimConfig::default()
    };
    let r = simulate(&roster, &arrivals, &cfg).unwrap();
    let ea = erlang_a(48.0 / 3600.0, 300.0, 4, 120.0, 60.0).unwrap();
    assert!(
        (r.abandonment_rate - ea.abandonment_probability).abs() < 0.02,
        "sim {} vs Erlang A {}",
        r.abandonment_rate,
        ea.abandonment_probability
    );
    assert!(
        (r.service_level - ea.service_level).abs() < 0.03,
        "sim {} vs {}",
        r.service_level,
        ea.service_level
    );
}

#[test]
fn same_seed_same_report_other_seed_differs() {
    let (roster, arrivals) = flat(48, 3, 30.0);
    let cfg = SimConfig {
        patience_secs: Some(200.0),
        service_times: vec![60.0, 120.0, 300.0, 900.0],
        ..SimConfig::default()
    };
    let a = simulate(&roster, &arrivals, &cfg).unwrap();
    let b = simulate(&roster, &arrivals, &cfg).unwrap();
    assert_eq!(a, b);
    let c = simulate(&roster, &arrivals, &SimConfig { seed: 43, ..cfg }).unwrap();
    assert_ne!(a, c);
    assert_eq!(a.hours.len(), 48);
}

/// Concurrency adds capacity: 2 agents × 3 chats at f(3) = 2.5 carry
/// 2.5× the load of 2 single-chat agents.
#[test]
fn concurrency_adds_capacity() {
    let (roster, arrivals) = flat(500, 2, 40.0); // A = 40/h · 300 s = 3.33 Erlangs
    let single = simulate(
        &roster,
        &arrivals,
        &SimConfig {
            patience_secs: Some(300.0),
            ..SimConfig::default()
        },
    )
    .unwrap();
    let chat = simulate(
        &roster,
        &arrivals,
        &SimConfig {
            concurrency: 3,
            patience_secs: Some(300.0),
            ..SimConfig::default()
        },
    )
    .unwrap();
    assert!(single.abandonment_rate > 0.2, "{}", single.abandonment_rate);
    assert!(
        chat.service_level > single.service_level + 0.3,
        "{} vs {}",
        chat.service_level,
        single.service_level
    );
    // Occupancy is per slot: 3.33 Erlangs of solo work take 3.33·3/2.5 = 4 slot-Erlangs of 6.
    assert!(
        (chat.occupancy - 4.0 / 6.0).abs() < 0.05,
        "{}",
        chat.occupancy
    );
}

/// Real arrival times: a burst at 09:00 with one agent queues up; the
/// hour with nobody rostered answers no one.
#[test]
fn replays_given_arrival_times() {
    let roster = vec![(t0(), 1), (t0() + Duration::hours(1), 0)];
    let arrivals: Vec<Arrival> = (0..10)
        .map(|i| Arrival {
            ts: t0() + Duration::seconds(i),
            service_secs: Some(100.0),
        })
        .chain([Arrival {
            ts: t0() + Duration::minutes(90),
            service_secs: Some(10.0),
        }])
        .collect();
    let cfg = SimConfig {
        target_answer_secs: 250.0,
        ..SimConfig::default()
    };
    let r = simulate(&roster, &Arrivals::Times(arrivals), &cfg).unwrap();
    let h0 = &r.hours[0];
    assert_eq!(h0.offered, 10);
    assert_eq!(h0.answered, 10);
    // Starts at 0, 100, 200, … ; waits 0, 99, 198, 297, …: three within 250 s.
    assert_eq!(h0.answered_within_target, 3);
    assert_eq!(r.hours[1].offered, 1);
    assert_eq!(r.hours[1].answered, 0);
    // 1000 s of work in a 3600 s hour.
    assert!((h0.occupancy - 1000.0 / 3600.0).abs() < 1e-9);
}

/// Rates that would draw more contacts than memory holds, or a roster over
/// years, are refused up front with the reason.
#[test]
fn a_simulation_too_big_to_run_is_refused() {
    let cfg = SimConfig::default();
    let (roster, arrivals) = flat(2, 5, 1e12);
    let e = simulate(&roster, &arrivals, &cfg).unwrap_err().to_string();
    assert!(e.contains("contacts expected"), "{e}");
    let roster = vec![(t0(), 5), (t0() + Duration::days(3650), 5)];
    let e = simulate(&roster, &Arrivals::Rates(vec![]), &cfg)
        .unwrap_err()
        .to_string();
    assert!(e.contains("hours"), "{e}");
}
