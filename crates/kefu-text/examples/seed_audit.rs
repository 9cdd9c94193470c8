//! How widely each seed and pattern of the default taxonomy fires (issue #14):
//! in how many labelled tuning texts (the 320 dev reviews and held-out sets A
//! and B) and how many of those carry the rule's label, and in the unlabelled
//! negative / positive reviews of `online_shopping_10_cats_dev.csv` outside
//! those sets. A seed that fires in one or two labelled texts and almost
//! nowhere else was fitted to those texts.
//!
//! `cargo run --release -p kefu-text --example seed_audit [DATA_DIR]` (default
//! `../shared/data`); tab-separated: label, kind (seed, mention, pattern,
//! mention_pattern), rule, labelled, labelled_with_label, neg, pos.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use kefu_text::categories::CategoryClassifier;
use kefu_text::category_tuning::load_tuning_sets;
use kefu_text::data::dedupe_key;
use kefu_text::{Taxonomy, normalize};

fn main() -> anyhow::Result<()> {
    let d = PathBuf::from(std::env::args().nth(1).unwrap_or("../shared/data".into()));
    let tax = Taxonomy::default_taxonomy();
    let names = tax.names();
    let clf = CategoryClassifier::new(tax.clone(), None)?;
    let rules = clf.rules();
    let tuning = load_tuning_sets(&d)?;
    let mut seen: HashSet<String> = tuning.items.iter().map(|c| dedupe_key(&c.text)).collect();
    // (category, kind, rule) -> [labelled, labelled with the label, negative pool, positive pool]
    let mut n: BTreeMap<(usize, &str, String), [usize; 4]> = BTreeMap::new();
    for (i, c) in tax.categories.iter().enumerate() {
        for s in &c.seeds {
            n.insert((i, "seed", normalize(s).text), [0; 4]);
        }
        for s in &c.mentions {
            n.insert((i, "mention", normalize(s).text), [0; 4]);
        }
        for p in &c.patterns {
            n.insert((i, "pattern", p.clone()), [0; 4]);
        }
        for p in &c.mention_patterns {
            n.insert((i, "mention_pattern", p.clone()), [0; 4]);
        }
    }
    let fired = |text: &str| {
        let t = normalize(text).text;
        let mut out: Vec<(usize, &str, String)> = Vec::new();
        for (k, s) in rules.fired_seeds(&t) {
            let kind = if rules.is_mention(k, s) {
                "mention"
            } else {
                "seed"
            };
            out.push((k, kind, s.to_string()));
        }
        for (k, p, mention) in rules.fired_patterns(&t) {
            let kind = if mention {
                "mention_pattern"
            } else {
                "pattern"
            };
            out.push((k, kind, p.to_string()));
        }
        out
    };
    for c in &tuning.items {
        for (k, kind, s) in fired(&c.text) {
            let e = n.entry((k, kind, s)).or_default();
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
        for key in fired(&r[2]) {
            n.entry(key).or_default()[slot] += 1;
        }
    }
    println!("label\tkind\trule\tlabelled\tlabelled_with_label\tneg\tpos");
    for ((k, kind, s), v) in &n {
        println!(
            "{}\t{kind}\t{s}\t{}\t{}\t{}\t{}",
            names[*k], v[0], v[1], v[2], v[3]
        );
    }
    Ok(())
}
