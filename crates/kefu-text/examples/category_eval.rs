//! The category figures of the crate README without building the `kefu`
//! binary: the held-out sets A and B (`tests/fixtures/README.md`) with the
//! embedded rules + model, then 5-fold cross-validation on the 320 dev reviews.
//!
//! `cargo run -p kefu-text --example category_eval [DATA_DIR] [--errors]`
//! (default `../shared/data`).

use std::path::PathBuf;

use kefu_text::eval::{
    HELDOUT_A_NAME, HELDOUT_B_FIXTURE, HELDOUT_B_NAME, HELDOUT_FIXTURE, eval_categories,
    eval_heldout, heldout_section, load_heldout,
};
use kefu_text::{CategoryClassifier, SentimentModel};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let errors = args.iter().any(|a| a == "--errors");
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
    print!("{}", heldout_section(&sets, errors));
    let dev = kefu_text::data::load_labeled_complaints(&d)?;
    let ce = eval_categories(&dev, 5, Some(&m))?;
    println!(
        "5-fold cross-validation on {} dev reviews: macro-F1 {:.3} (rules alone {:.3}), micro-F1 {:.3}",
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
