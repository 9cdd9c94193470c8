//! The category figures of the crate README without building the `kefu`
//! binary: the labelled sets A and B (`tests/fixtures/README.md`) with the
//! embedded rules + model (trained on dev + A + B, so in-sample), the nested
//! 5-fold cross-validation over dev + A + B (the honest figure until set C is
//! measured), and 5-fold cross-validation on the 320 dev reviews alone.
//!
//! `cargo run --release -p kefu-text --example category_eval -- [DATA_DIR] [--errors] [--heldout-c]`
//! (default `../shared/data`). `--heldout-c` also scores set C
//! (`tests/fixtures/categories_heldout_c.jsonl`, read at run time): the final,
//! one-time measure; nothing else reads that file. `--heldout-d` scores set D
//! (`categories_heldout_d.jsonl`, 40 logistics texts), the same way.

use std::path::PathBuf;

use kefu_text::category_tuning::{
    FOLD_SEED, FoldScheme, TUNING_FOLDS, cross_validate, load_tuning_sets, pooled_text,
};
use kefu_text::eval::{
    HELDOUT_A_NAME, HELDOUT_B_FIXTURE, HELDOUT_B_NAME, HELDOUT_C_NAME, HELDOUT_C_PATH,
    HELDOUT_D_NAME, HELDOUT_D_PATH, HELDOUT_FIXTURE, eval_categories, eval_heldout,
    heldout_c_fixture, heldout_d_fixture, heldout_section, load_heldout,
};
use kefu_text::{CategoryClassifier, SentimentModel};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let errors = args.iter().any(|a| a == "--errors");
    let set_c = args.iter().any(|a| a == "--heldout-c");
    let set_d = args.iter().any(|a| a == "--heldout-d");
    let d = PathBuf::from(
        args.iter()
            .find(|a| !a.starts_with("--"))
            .map_or("../shared/data", String::as_str),
    );
    let m = SentimentModel::embedded()?;
    let clf = CategoryClassifier::embedded()?;
    let mut sets = Vec::new();
    for (name, fixture, asap) in [
        (HELDOUT_A_NAME, HELDOUT_FIXTURE, Some(d.as_path())),
        (HELDOUT_B_NAME, HELDOUT_B_FIXTURE, None),
    ] {
        let mut h = eval_heldout(&load_heldout(&d, fixture)?, &clf, Some(&m), asap)?;
        h.set = name.to_string();
        sets.push(h);
    }
    if set_c {
        let Some(fixture) = heldout_c_fixture()? else {
            anyhow::bail!("{HELDOUT_C_PATH} does not exist");
        };
        let mut h = eval_heldout(&load_heldout(&d, &fixture)?, &clf, Some(&m), None)?;
        h.set = HELDOUT_C_NAME.to_string();
        sets.push(h);
    }
    if set_d {
        let Some(fixture) = heldout_d_fixture()? else {
            anyhow::bail!("{HELDOUT_D_PATH} does not exist");
        };
        let mut h = eval_heldout(&load_heldout(&d, &fixture)?, &clf, Some(&m), None)?;
        h.set = HELDOUT_D_NAME.to_string();
        sets.push(h);
    }
    print!("{}", heldout_section(&sets, errors));
    let k = FoldScheme::Stratified(TUNING_FOLDS);
    let pooled = cross_validate(&load_tuning_sets(&d)?, k, Some(k), Some(&m), FOLD_SEED)?;
    println!("Nested cross-validation over the tuning sets (texts the recipe never saw):");
    print!("{}", pooled_text(&pooled, false));
    let dev = kefu_text::data::load_labeled_complaints(&d)?;
    let ce = eval_categories(&dev, 5, Some(&m))?;
    println!(
        "5-fold cross-validation on {} dev reviews alone (default thresholds): macro-F1 {:.3} (rules alone {:.3}), micro-F1 {:.3}",
        ce.items, ce.macro_f1, ce.rules_only_macro_f1, ce.micro_f1
    );
    for (l, r) in ce.labels.iter().zip(&ce.rules_only) {
        println!(
            "    {:<16} {:>4}  F1 {:.3}  rules alone {:.3}",
            l.label, l.support, l.f1, r.f1
        );
    }
    Ok(())
}
