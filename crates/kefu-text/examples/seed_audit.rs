//! How widely each seed of the default taxonomy fires (issue #14): in how many
//! labelled dev reviews (and how many of those carry the seed's label), and in
//! the unlabelled negative / positive reviews of `online_shopping_10_cats_dev.csv`
//! outside the dev set and the held-out sets. A seed that fires in one or two
//! dev reviews and almost nowhere else was fitted to those reviews.
//!
//! `cargo run -p kefu-text --example seed_audit [DATA_DIR]` (default
//! `../shared/data`); tab-separated: label, seed, dev, dev_with_label, neg, pos.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use kefu_text::categories::CategoryClassifier;
use kefu_text::data::{dedupe_key, load_labeled_complaints};
use kefu_text::eval::{HELDOUT_B_FIXTURE, HELDOUT_FIXTURE, load_heldout};
use kefu_text::{Taxonomy, normalize};

fn main() -> anyhow::Result<()> {
    let d = PathBuf::from(std::env::args().nth(1).unwrap_or("../shared/data".into()));
    let tax = Taxonomy::default_taxonomy();
    let names = tax.names();
    let clf = CategoryClassifier::new(tax.clone(), None)?;
    let dev = load_labeled_complaints(&d)?;
    let mut seen: HashSet<String> = dev.iter().map(|c| dedupe_key(&c.text)).collect();
    for f in [HELDOUT_FIXTURE, HELDOUT_B_FIXTURE] {
        seen.extend(load_heldout(&d, f)?.iter().map(|c| dedupe_key(&c.text)));
    }
    // (category, seed) -> [dev, dev with the label, negative pool, positive pool]
    let mut n: BTreeMap<(usize, String), [usize; 4]> = BTreeMap::new();
    for (i, c) in tax.categories.iter().enumerate() {
        for s in &c.seeds {
            n.insert((i, normalize(s).text), [0; 4]);
        }
    }
    for c in &dev {
        for (k, s) in clf.rules().fired_seeds(&normalize(&c.text).text) {
            let e = n.entry((k, s.to_string())).or_default();
            e[0] += 1;
            e[1] += c.labels.iter().any(|l| l == names[k]) as usize;
        }
    }
    let mut rdr = csv::Reader::from_path(d.join("sentiment/online_shopping_10_cats_dev.csv"))?;
    for r in rdr.records() {
        let r = r?;
        if !seen.insert(dedupe_key(&r[2])) {
            continue;
        }
        let slot = if &r[1] == "1" { 3 } else { 2 };
        for (k, s) in clf.rules().fired_seeds(&normalize(&r[2]).text) {
            n.entry((k, s.to_string())).or_default()[slot] += 1;
        }
    }
    println!("label\tseed\tdev\tdev_with_label\tneg\tpos");
    for ((k, s), v) in &n {
        println!("{}\t{s}\t{}\t{}\t{}\t{}", names[*k], v[0], v[1], v[2], v[3]);
    }
    Ok(())
}
