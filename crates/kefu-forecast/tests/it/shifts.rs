use kefu_forecast::shifts::{ShiftTemplate, StartWindow, solve_shifts};
use rand::{Rng, SeedableRng, rngs::StdRng};

#[test]
fn one_shift_covers_one_block() {
    // Need 1 agent for hours 2..10 (8 h); a plain 8-hour shift does it once.
    let mut req = vec![0u32; 12];
    req[2..10].iter_mut().for_each(|r| *r = 1);
    let t = vec![ShiftTemplate::parse("eight:8:0:1").unwrap()];
    let p = solve_shifts(&req, &t, &StartWindow::default(), 10.0).unwrap();
    assert_eq!(p.assignments.len(), 1);
    assert_eq!((p.assignments[0].start, p.assignments[0].count), (2, 1));
    assert_eq!(p.cost, 8.0);
}

#[test]
fn every_hour_is_covered_on_random_weeks() {
    let mut rng = StdRng::seed_from_u64(5);
    for _ in 0..3 {
        // A daily shape with noise, night hours often zero.
        let req: Vec<u32> = (0..168)
            .map(|h| {
                let hod = h % 24;
                let base = if (8..22).contains(&hod) { 6 } else { 0 };
                base + rng.random_range(0..5)
            })
            .collect();
        let templates = ShiftTemplate::defaults();
        let p = solve_shifts(&req, &templates, &StartWindow::default(), 20.0).unwrap();
        for (h, (&r, &d)) in req.iter().zip(&p.on_duty).enumerate() {
            assert!(d >= r, "hour {h}: {d} on duty < {r} needed");
        }
        // The programme beats (or ties) the cheapest trivial cover: part-time
        // shifts laid end to end at each hour's peak.
        let lower_bound: f64 = req.iter().map(|&r| r as f64).sum::<f64>() * 1.0;
        assert!(p.cost >= lower_bound - 1e-9);
        let trivial: f64 = req
            .chunks(4)
            .map(|c| *c.iter().max().unwrap() as f64 * 4.0 * 1.1)
            .sum();
        assert!(p.cost <= trivial * 1.01 + 1e-9, "{} > {trivial}", p.cost);
    }
}

#[test]
fn breaks_leave_a_hole_and_windows_bind() {
    let t = ShiftTemplate::parse("day:9:4:1").unwrap();
    assert_eq!(t.paid_hours(), 8);
    assert!(t.on_duty(3) && !t.on_duty(4) && t.on_duty(8) && !t.on_duty(9));
    // Demand at 03:00 but starts only allowed 08..=12: infeasible, said so.
    let mut req = vec![0u32; 24];
    req[3] = 1;
    let w = StartWindow {
        first_hour_of_day: 0,
        earliest: 8,
        latest: 12,
    };
    assert!(solve_shifts(&req, &[t], &w, 5.0).is_err());
    assert!(ShiftTemplate::parse("bad:4:3:1").is_err());
    assert!(ShiftTemplate::parse("bad:4").is_err());
}
