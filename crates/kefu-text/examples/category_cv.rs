//! Cross-validation of the category recipe over every tuning set (the 320 dev
//! reviews and the hand-labelled sets A and B, `tests/fixtures/README.md`):
//! 5 folds stratified by set, and one fold per set (each set predicted by a
//! model of the other two); with the default thresholds and with per-label
//! thresholds chosen inside each training part by its own 5-fold
//! cross-validation (nested: the whole recipe never saw the texts it is
//! scored on).
//!
//! `cargo run --release -p kefu-text --example category_cv -- [DATA_DIR]
//! [--errors] [--quick] [--repeats N] [--write crates/kefu-text/models/categories.kfm]`
//!
//! `--write` trains the shipped model with [`train_tuned`] (all tuning texts,
//! thresholds chosen by 5-fold cross-validation over them) and writes it.

use std::path::PathBuf;

use kefu_text::category_tuning::{
    FOLD_SEED, FoldScheme, TUNING_FOLDS, cross_validate, load_tuning_sets, pooled_text, train_tuned,
};
use kefu_text::{SentimentModel, Taxonomy};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let value = |f: &str| {
        args.iter()
            .position(|a| a == f)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (errors, quick) = (flag("--errors"), flag("--quick"));
    let repeats: u64 = value("--repeats").map_or(Ok(1), |v| v.parse())?;
    let write = value("--write");
    let mut skip = false;
    let mut d = PathBuf::from("../shared/data");
    for a in &args {
        if skip {
            skip = false;
        } else if a == "--repeats" || a == "--write" {
            skip = true;
        } else if !a.starts_with("--") {
            d = PathBuf::from(a);
        }
    }
    let m = SentimentModel::embedded()?;
    let t = load_tuning_sets(&d)?;
    if let Some(out) = write {
        let model = train_tuned(&Taxonomy::default_taxonomy(), &t, Some(&m))?;
        std::fs::write(&out, model.to_bytes()?)?;
        println!("wrote {out}: {:?}", model.meta);
        return Ok(());
    }
    let k = FoldScheme::Stratified(TUNING_FOLDS);
    let runs: Vec<(FoldScheme, Option<FoldScheme>)> = if quick {
        vec![(k, Some(k))]
    } else {
        vec![
            (k, None),
            (k, Some(k)),
            (FoldScheme::BySet, None),
            (FoldScheme::BySet, Some(k)),
        ]
    };
    for (outer, inner) in runs {
        let e = cross_validate(&t, outer, inner, Some(&m), FOLD_SEED)?;
        print!("{}", pooled_text(&e, errors && inner.is_some()));
        if inner.is_some() {
            for (f, th) in e.thresholds.iter().enumerate() {
                let s: Vec<String> = th
                    .iter()
                    .map(|(l, a, b)| format!("{l} {a:.2}/{b:.2}"))
                    .collect();
                println!("    fold {f} thresholds (no rule / rule): {}", s.join(", "));
            }
        }
    }
    if repeats > 1 {
        // Other shuffles of the stratified folds: how much the figure moves.
        let mut macros = Vec::new();
        let mut logistics = Vec::new();
        for r in 0..repeats {
            let e = cross_validate(&t, k, Some(k), Some(&m), FOLD_SEED + r)?;
            macros.push(e.macro_f1);
            logistics.push(
                e.labels
                    .iter()
                    .find(|l| l.label == "logistics")
                    .map_or(0.0, |l| l.f1),
            );
        }
        let stats = |v: &[f64]| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let (lo, hi) = v
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            format!("mean {mean:.3}, sd {sd:.3}, min {lo:.3}, max {hi:.3}")
        };
        println!(
            "  {repeats} shuffles of the nested {k:?} cross-validation: macro-F1 {}; logistics F1 {}",
            stats(&macros),
            stats(&logistics)
        );
    }
    Ok(())
}
