use kefu_forecast::erlang::{
    ConcurrencyTable, ErlangCInput, asa_secs, erlang_a, erlang_b, erlang_c, service_level,
    waiting_probability,
};

use crate::shared_data;

/// Every row of pyworkforce 0.5.1's `ErlangC.required_positions` table.
/// The file is part of the shared dev data; if it is missing the test fails
/// (a skip would silently drop the pyworkforce guarantee).
#[test]
fn equals_pyworkforce_on_every_reference_row() {
    let path = shared_data("erlang/erlangc_reference_dev.csv");
    assert!(
        path.exists(),
        "missing {}: the pyworkforce reference table lives in ../shared/data/erlang/",
        path.display()
    );
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let headers = rdr.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let f = |name: &str| rec[col(name)].parse::<f64>().unwrap();
        let input = ErlangCInput {
            shrinkage: f("shrinkage"),
            max_occupancy: f("max_occupancy"),
            ..ErlangCInput::new(
                f("arrivals_per_interval"),
                f("interval_s"),
                f("aht_s"),
                f("target_answer_s"),
                f("sl_target"),
            )
        };
        let r = erlang_c(&input).unwrap();
        let ctx = format!("row {}: {input:?} -> {r:?}", rows + 2);
        assert_eq!(r.raw_positions as f64, f("raw_positions"), "{ctx}");
        assert_eq!(r.positions as f64, f("positions_with_shrinkage"), "{ctx}");
        // The table is rounded: load to 4 decimals, probabilities to 6, ASA to 3.
        assert!(
            (r.traffic_erlangs - f("traffic_erlangs")).abs() < 5.1e-5,
            "{ctx}"
        );
        assert!(
            (r.service_level - f("achieved_service_level")).abs() < 1e-6,
            "{ctx}"
        );
        assert!((r.occupancy - f("occupancy")).abs() < 1e-6, "{ctx}");
        assert!(
            (r.waiting_probability - f("waiting_probability")).abs() < 1e-6,
            "{ctx}"
        );
        assert!((r.asa_secs - f("asa_s")).abs() < 1e-3, "{ctx}");
        rows += 1;
    }
    assert_eq!(rows, 960, "the reference table should have 960 rows");
}

/// A = λ·AHT = (120 / 3600 s) · 60 s = 2 Erlangs.
/// Erlang B by recursion B(k) = A·B(k−1) / (k + A·B(k−1)), B(0) = 1:
///   B(1) = 2/3, B(2) = (4/3)/(10/3) = 0.4, B(3) = 0.8/3.8 = 4/19,
///   B(4) = (8/19)/(4 + 8/19) = 2/21.
/// N = 3: C = 3·(4/19) / (3 − 2·(15/19)) = (12/19)/(27/19) = 4/9;
///   SL(20 s) = 1 − (4/9)·e^(−(3−2)·20/60) = 1 − (4/9)·e^(−1/3) ≈ 0.681541;
///   ASA = (4/9)·60/(3−2) = 26.667 s.
/// N = 4: C = 4·(2/21) / (4 − 2·(19/21)) = (8/21)/(46/21) = 4/23;
///   SL(20 s) = 1 − (4/23)·e^(−2/3) ≈ 0.910710; ASA = (4/23)·60/2 ≈ 5.217 s.
#[test]
fn hand_computed_small_case() {
    assert!((erlang_b(3, 2.0) - 4.0 / 19.0).abs() < 1e-12);
    assert!((erlang_b(4, 2.0) - 2.0 / 21.0).abs() < 1e-12);
    assert!((waiting_probability(3, 2.0) - 4.0 / 9.0).abs() < 1e-12);
    assert!((waiting_probability(4, 2.0) - 4.0 / 23.0).abs() < 1e-12);
    let sl3 = 1.0 - 4.0 / 9.0 * (-1.0f64 / 3.0).exp();
    assert!((service_level(3, 2.0, 20.0, 60.0) - sl3).abs() < 1e-12);
    assert!((sl3 - 0.681541).abs() < 1e-6);
    assert!((asa_secs(3, 2.0, 60.0) - 80.0 / 3.0).abs() < 1e-9);

    // Target 0.6: N = 3 already meets it. Target 0.8: N = 3 fails (0.68), N = 4 passes.
    let r = erlang_c(&ErlangCInput::new(120.0, 3600.0, 60.0, 20.0, 0.6)).unwrap();
    assert_eq!(r.raw_positions, 3);
    let r = erlang_c(&ErlangCInput::new(120.0, 3600.0, 60.0, 20.0, 0.8)).unwrap();
    assert_eq!(r.raw_positions, 4);
    assert!((r.service_level - (1.0 - 4.0 / 23.0 * (-2.0f64 / 3.0).exp())).abs() < 1e-12);
    assert!((r.occupancy - 0.5).abs() < 1e-12);
    assert!((r.asa_secs - 4.0 / 23.0 * 30.0).abs() < 1e-9);
    // Shrinkage 25 %: ⌈4 / 0.75⌉ = ⌈5.33⌉ = 6.
    let r = erlang_c(&ErlangCInput {
        shrinkage: 0.25,
        ..ErlangCInput::new(120.0, 3600.0, 60.0, 20.0, 0.8)
    })
    .unwrap();
    assert_eq!((r.raw_positions, r.positions), (4, 6));
    // Max occupancy 40 %: N = ⌈2 / 0.4⌉ = 5 (SL alone would allow 4).
    let r = erlang_c(&ErlangCInput {
        max_occupancy: 0.4,
        ..ErlangCInput::new(120.0, 3600.0, 60.0, 20.0, 0.8)
    })
    .unwrap();
    assert_eq!(r.raw_positions, 5);
    assert!((r.occupancy - 0.4).abs() < 1e-12);
}

/// Chat concurrency: effective AHT = AHT / f(c); with c = 2 and f(2) = 1.7,
/// 120 chats/h of 102 s are A = (120/3600)·(102/1.7) = 2 Erlangs — the case
/// above, so the same 4 agents.
#[test]
fn concurrency_uses_effective_aht() {
    let base = ErlangCInput::new(120.0, 3600.0, 102.0, 20.0, 0.8);
    let chat = ErlangCInput {
        concurrency: 2,
        ..base.clone()
    };
    assert!((chat.traffic_erlangs() - 2.0).abs() < 1e-12);
    let r = erlang_c(&chat).unwrap();
    assert_eq!(r.raw_positions, 4);
    assert!(erlang_c(&base).unwrap().raw_positions > 4);
    // The table is configurable and the last factor holds beyond it.
    let t = ConcurrencyTable::parse("1,2").unwrap();
    assert_eq!(t.factor(2), 2.0);
    assert_eq!(t.factor(7), 2.0);
    assert_eq!(ConcurrencyTable::default().factor(5), 3.5);
    assert!(ConcurrencyTable::parse("1,-2").is_err());
}

/// 2,000 arrivals in half an hour at 10 minutes each is A ≈ 666.7 Erlangs:
/// factorials would overflow; the recursion must not.
#[test]
fn large_loads_do_not_overflow() {
    let input = ErlangCInput::new(2000.0, 1800.0, 600.0, 20.0, 0.9);
    let r = erlang_c(&input).unwrap();
    let a = r.traffic_erlangs;
    assert!(r.raw_positions as f64 > a);
    assert!(r.service_level >= 0.9 && r.service_level.is_finite());
    // Minimal: one agent fewer misses the target.
    assert!(service_level(r.raw_positions - 1, a, 20.0, 600.0) < 0.9);
    let b = erlang_b(2000, 1900.0);
    assert!(b.is_finite() && b > 0.0 && b < 1.0);
}

#[test]
fn invalid_inputs_are_rejected() {
    let ok = ErlangCInput::new(100.0, 3600.0, 300.0, 20.0, 0.8);
    assert!(
        erlang_c(&ErlangCInput {
            shrinkage: 1.0,
            ..ok.clone()
        })
        .is_err()
    );
    assert!(
        erlang_c(&ErlangCInput {
            max_occupancy: 0.0,
            ..ok.clone()
        })
        .is_err()
    );
    assert!(
        erlang_c(&ErlangCInput {
            arrivals: -1.0,
            ..ok.clone()
        })
        .is_err()
    );
    let zero = erlang_c(&ErlangCInput {
        arrivals: 0.0,
        ..ok
    })
    .unwrap();
    assert_eq!(zero.raw_positions, 0);
}

/// Patience → ∞: Erlang A becomes Erlang C.
#[test]
fn erlang_a_with_infinite_patience_is_erlang_c() {
    for &(n, a, aht, t) in &[
        (3u32, 2.0, 60.0, 20.0),
        (12, 10.0, 300.0, 30.0),
        (60, 52.0, 180.0, 20.0),
    ] {
        let lambda = a / aht;
        for patience in [f64::INFINITY, 1e12] {
            let r = erlang_a(lambda, aht, n, patience, t).unwrap();
            let pw = waiting_probability(n, a);
            assert!((r.waiting_probability - pw).abs() < 1e-9, "{n} {a}: {r:?}");
            assert!(
                (r.service_level - service_level(n, a, t, aht)).abs() < 1e-7,
                "{r:?}"
            );
            assert!(
                (r.mean_wait_secs - asa_secs(n, a, aht)).abs() < 1e-6 * aht,
                "{r:?}"
            );
            assert!(r.abandonment_probability < 1e-9);
            assert!((r.occupancy - a / n as f64).abs() < 1e-9);
        }
    }
}

/// Patience → 0: whoever would wait leaves at once, an Erlang B loss
/// system: P(abandon) = B(N, A) and everyone else is answered at once.
#[test]
fn erlang_a_with_no_patience_is_erlang_b() {
    let (n, a, aht) = (5u32, 4.0, 300.0);
    let r = erlang_a(a / aht, aht, n, 1e-3, 20.0).unwrap();
    let b = erlang_b(n, a);
    assert!(
        (r.abandonment_probability - b).abs() < 1e-4,
        "{r:?} vs B = {b}"
    );
    assert!((r.service_level - (1.0 - b)).abs() < 1e-4, "{r:?}");
    // More patience, fewer abandon; overloaded (A > N) stays finite.
    let short = erlang_a(a / aht, aht, n, 60.0, 20.0).unwrap();
    let long = erlang_a(a / aht, aht, n, 600.0, 20.0).unwrap();
    assert!(long.abandonment_probability < short.abandonment_probability);
    let over = erlang_a(8.0 / aht, aht, n, 120.0, 20.0).unwrap();
    assert!(over.abandonment_probability > 0.2 && over.abandonment_probability < 1.0);
    assert!(erlang_a(8.0 / aht, aht, n, f64::INFINITY, 20.0).is_err());
}

/// A mistyped load (10¹² contacts an hour) is refused at once with the reason,
/// not searched agent by agent; the largest load allowed still answers.
#[test]
fn an_impossible_load_is_refused_at_once() {
    let started = std::time::Instant::now();
    let e = erlang_c(&ErlangCInput::new(1e12, 3600.0, 300.0, 20.0, 0.8)).unwrap_err();
    assert!(e.to_string().contains("more than 1000000 agents"), "{e}");
    let e = erlang_a(1e12 / 3600.0, 300.0, 5, 60.0, 20.0).unwrap_err();
    assert!(e.to_string().contains("agents"), "{e}");
    let e = erlang_a(1.0, 300.0, u32::MAX, 60.0, 20.0).unwrap_err();
    assert!(e.to_string().contains("agents"), "{e}");
    // 10 000 Erlangs: 120 000 contacts an hour of 300 s.
    let r = erlang_c(&ErlangCInput::new(120_000.0, 3600.0, 300.0, 20.0, 0.8)).unwrap();
    assert!(
        r.raw_positions > 10_000 && r.raw_positions < 10_200,
        "{r:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}
