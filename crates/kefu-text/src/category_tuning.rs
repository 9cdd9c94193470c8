//! Tuning the category model on every labelled set (issue #14 part 6): the 320
//! dev reviews and the hand-labelled sets A and B together, with per-label
//! thresholds chosen by cross-validation, and a nested cross-validation that
//! measures the whole recipe (thresholds included) on texts it never saw.
//!
//! The recipe ([`train_tuned`]): out-of-fold model probabilities for every
//! tuning text, then per label the pair of thresholds (without / with a rule
//! hit) that maximises that label's F1 over those predictions, then one model
//! trained on all texts carrying those thresholds. `other` is what is left when
//! no label reaches its threshold.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::categories::{CategoryClassifier, CategoryEvidence, OTHER, Taxonomy, Thresholds};
use crate::data::{LabeledComplaint, dedupe_key, load_labeled_complaints};
use crate::error::TextError;
use crate::eval::{
    CategoryError, HELDOUT_B_FIXTURE, HELDOUT_FIXTURE, LabelScore, load_heldout, score_predictions,
};
use crate::linear::{LinearModel, Rng};
use crate::sentiment::SentimentModel;
use crate::train::{category_examples, train_categories};

/// Seed of the fold assignment.
pub const FOLD_SEED: u64 = 20241122;
/// Folds of the threshold choice and of the reported cross-validation.
pub const TUNING_FOLDS: usize = 5;

/// The labelled texts the categories are tuned on, with the set of each.
#[derive(Debug, Clone)]
pub struct TuningSets {
    pub items: Vec<LabeledComplaint>,
    /// `dev`, `A` or `B`, per item.
    pub set: Vec<&'static str>,
}

impl TuningSets {
    /// Stratum of item `i` for the folds: its set, and for set A whether it is a
    /// chat turn.
    fn stratum(&self, i: usize) -> String {
        let chat = self.items[i].cat == "chat";
        format!("{}{}", self.set[i], if chat { "/chat" } else { "" })
    }
}

/// Loads `labeled_dev.jsonl` and the held-out fixtures A and B (see
/// `tests/fixtures/README.md`) from `data_dir`.
pub fn load_tuning_sets(data_dir: &Path) -> Result<TuningSets, TextError> {
    let mut items = load_labeled_complaints(data_dir)?;
    let mut set = vec!["dev"; items.len()];
    for (name, fixture) in [("A", HELDOUT_FIXTURE), ("B", HELDOUT_B_FIXTURE)] {
        let h = load_heldout(data_dir, fixture)?;
        set.extend(std::iter::repeat_n(name, h.len()));
        items.extend(h);
    }
    Ok(TuningSets { items, set })
}

/// How texts are split into folds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FoldScheme {
    /// `k` folds, each with its share of every set (and of set A's chat
    /// turns); copies of a text (same dedupe key) stay in one fold.
    Stratified(usize),
    /// One fold per set: each set is predicted by a model of the others.
    BySet,
}

/// Fold of each item and the number of folds.
pub fn assign_folds(t: &TuningSets, scheme: FoldScheme, seed: u64) -> (usize, Vec<usize>) {
    let n = t.items.len();
    match scheme {
        FoldScheme::BySet => {
            let mut names: Vec<&str> = Vec::new();
            let fold = (0..n)
                .map(|i| match names.iter().position(|s| *s == t.set[i]) {
                    Some(k) => k,
                    None => {
                        names.push(t.set[i]);
                        names.len() - 1
                    }
                })
                .collect();
            (names.len(), fold)
        }
        FoldScheme::Stratified(k) => {
            let k = k.max(2);
            // Groups of copies, keyed by the stratum of their first item.
            let mut group_of: HashMap<String, usize> = HashMap::new();
            let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
            for i in 0..n {
                let key = dedupe_key(&t.items[i].text);
                match group_of.get(&key) {
                    Some(&g) => groups[g].1.push(i),
                    None => {
                        group_of.insert(key, groups.len());
                        groups.push((t.stratum(i), vec![i]));
                    }
                }
            }
            let mut strata: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
            strata.sort();
            strata.dedup();
            let mut rng = Rng(seed);
            let mut fold = vec![0; n];
            let mut next = 0;
            for s in &strata {
                let mut gs: Vec<usize> = (0..groups.len()).filter(|&g| groups[g].0 == *s).collect();
                rng.shuffle(&mut gs);
                for g in gs {
                    for &i in &groups[g].1 {
                        fold[i] = next % k;
                    }
                    next += 1;
                }
            }
            (k, fold)
        }
    }
}

/// Normalised text and n-grams of every item, and P(positive) when a
/// sentiment model is given (the analyzer's gate).
pub struct Prepared {
    pub feats: Vec<(String, Vec<u32>)>,
    pub sentiment: Vec<Option<f32>>,
}

pub fn prepare(items: &[LabeledComplaint], sentiment: Option<&SentimentModel>) -> Prepared {
    let feats = category_examples(items);
    let sentiment = items
        .iter()
        .zip(&feats)
        .map(|(c, (_, f))| {
            sentiment.map(|m| m.score_features(f, &crate::normalize::normalize(&c.text).emoticons))
        })
        .collect();
    Prepared { feats, sentiment }
}

/// Out-of-fold evidence of the items `idx` (indices into `items`): each
/// fold's items scored by a model trained on the other folds' items.
fn oof_evidence(
    taxonomy: &Taxonomy,
    items: &[LabeledComplaint],
    prep: &Prepared,
    idx: &[usize],
    fold: &[usize],
    folds: usize,
) -> Result<Vec<CategoryEvidence>, TextError> {
    let mut out: Vec<Option<CategoryEvidence>> = vec![None; idx.len()];
    for k in 0..folds {
        let train: Vec<LabeledComplaint> = idx
            .iter()
            .zip(fold)
            .filter(|(_, f)| **f != k)
            .map(|(&i, _)| items[i].clone())
            .collect();
        if train.len() == idx.len() {
            continue;
        }
        let clf =
            CategoryClassifier::new(taxonomy.clone(), Some(train_categories(taxonomy, &train)?))?;
        for (j, (&i, _)) in idx
            .iter()
            .zip(fold)
            .enumerate()
            .filter(|(_, (_, f))| **f == k)
        {
            let (t, f) = &prep.feats[i];
            out[j] = Some(clf.evidence(t, f));
        }
    }
    Ok(out
        .into_iter()
        .map(|e| e.expect("every item in a fold"))
        .collect())
}

/// Candidate thresholds.
fn grid() -> Vec<f32> {
    (1..=19).map(|k| k as f32 * 0.05).collect()
}

/// Thresholds for `clf`'s model maximising F1 over `ev` (evidence of
/// `items[idx]`): per label the pair (without / with a rule hit) maximising
/// that label's F1, each pair's F1 averaged with its grid neighbours so a lone
/// lucky point does not win; then the `other` threshold (when the model has an
/// `other` output) maximising macro-F1. Labels without a model probability
/// keep the defaults.
pub fn choose_thresholds(
    clf: &CategoryClassifier,
    items: &[LabeledComplaint],
    prep: &Prepared,
    idx: &[usize],
    ev: &[CategoryEvidence],
) -> Thresholds {
    let g = grid();
    let taxonomy = clf.taxonomy();
    let names = taxonomy.names();
    let model_labels = &clf.model().expect("a model").labels;
    let mut th = Thresholds {
        bar: vec![0.5; model_labels.len()],
        rule_bar: vec![crate::categories::RULE_THRESHOLD; model_labels.len()],
        other: 2.0,
    };
    for (o, label) in model_labels.iter().enumerate() {
        let Some(ci) = names.iter().position(|n| n == label) else {
            continue;
        };
        if label == OTHER {
            continue;
        }
        // (gold, rule fired, p, gated by positive sentiment)
        let rows: Vec<(bool, bool, f32, bool)> = idx
            .iter()
            .zip(ev)
            .filter_map(|(&i, e)| {
                let p = e.prob[ci]?;
                let gold = items[i].labels.iter().any(|l| l == label);
                let positive =
                    prep.sentiment[i].is_some_and(|s| s >= crate::categories::POSITIVE_GATE);
                Some((gold, e.fired(ci), p, positive))
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let f1 = |tn: f32, tr: f32| {
            let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
            for &(gold, rule, p, positive) in &rows {
                let on = p >= if rule { tr } else { tn } && (rule || !positive);
                match (gold, on) {
                    (true, true) => tp += 1,
                    (false, true) => fp += 1,
                    (true, false) => fn_ += 1,
                    _ => {}
                }
            }
            if tp == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
            }
        };
        let table: Vec<Vec<f64>> = g
            .iter()
            .map(|&tn| g.iter().map(|&tr| f1(tn, tr)).collect())
            .collect();
        let mut best = (f64::MIN, 0.5, crate::categories::RULE_THRESHOLD);
        for a in 0..g.len() {
            for b in 0..g.len() {
                let mut sum = 0.0;
                let mut cnt = 0.0;
                for da in -1i32..=1 {
                    for db in -1i32..=1 {
                        let (x, y) = (a as i32 + da, b as i32 + db);
                        if x >= 0 && y >= 0 && (x as usize) < g.len() && (y as usize) < g.len() {
                            sum += table[x as usize][y as usize];
                            cnt += 1.0;
                        }
                    }
                }
                let s = sum / cnt;
                if s > best.0 + 1e-9 {
                    best = (s, g[a], g[b]);
                }
            }
        }
        th.bar[o] = best.1;
        th.rule_bar[o] = best.2;
    }
    if model_labels.iter().any(|l| l == OTHER) {
        let gold: Vec<&LabeledComplaint> = idx.iter().map(|&i| &items[i]).collect();
        let macro_at = |t: f32| {
            let th = Thresholds {
                other: t,
                ..th.clone()
            };
            let pred: Vec<Vec<String>> = idx
                .iter()
                .zip(ev)
                .map(|(&i, e)| clf.decide_with(e, prep.sentiment[i], &th).0)
                .collect();
            score_predictions(&names, &gold, &pred).1
        };
        let mut cands = g.clone();
        cands.push(2.0);
        let scores: Vec<f64> = cands.iter().map(|&t| macro_at(t)).collect();
        let mut best = (scores[scores.len() - 1], 2.0);
        for (k, &t) in g.iter().enumerate() {
            let lo = k.saturating_sub(1);
            let hi = (k + 1).min(g.len() - 1);
            let s = scores[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64;
            if s > best.0 + 1e-9 {
                best = (s, t);
            }
        }
        th.other = best.1;
    }
    th
}

/// The recipe on `items[idx]`: thresholds from out-of-fold evidence under
/// `scheme`, then a model trained on all of them carrying the thresholds.
fn tuned_model(
    taxonomy: &Taxonomy,
    t: &TuningSets,
    prep: &Prepared,
    idx: &[usize],
    scheme: FoldScheme,
) -> Result<LinearModel, TextError> {
    let sub = TuningSets {
        items: idx.iter().map(|&i| t.items[i].clone()).collect(),
        set: idx.iter().map(|&i| t.set[i]).collect(),
    };
    let (folds, fold) = assign_folds(&sub, scheme, FOLD_SEED);
    let ev = oof_evidence(taxonomy, &t.items, prep, idx, &fold, folds)?;
    let train: Vec<LabeledComplaint> = sub.items;
    let mut m = train_categories(taxonomy, &train)?;
    let clf = CategoryClassifier::new(taxonomy.clone(), Some(m.clone()))?;
    choose_thresholds(&clf, &t.items, prep, idx, &ev).store(&mut m);
    m.meta
        .insert("threshold_folds".into(), format!("{scheme:?}"));
    Ok(m)
}

/// Trains the shipped category model: all tuning texts, thresholds chosen by
/// [`TUNING_FOLDS`]-fold cross-validation over them.
pub fn train_tuned(
    taxonomy: &Taxonomy,
    t: &TuningSets,
    sentiment: Option<&SentimentModel>,
) -> Result<LinearModel, TextError> {
    let prep = prepare(&t.items, sentiment);
    let idx: Vec<usize> = (0..t.items.len()).collect();
    let mut m = tuned_model(
        taxonomy,
        t,
        &prep,
        &idx,
        FoldScheme::Stratified(TUNING_FOLDS),
    )?;
    let count = |s: &str| t.set.iter().filter(|x| **x == s).count();
    m.meta.insert(
        "train_sets".into(),
        format!("dev {}, A {}, B {}", count("dev"), count("A"), count("B")),
    );
    Ok(m)
}

/// Scores on one set (or part) of a pooled cross-validation.
#[derive(Debug, Clone, Serialize)]
pub struct SetScore {
    pub set: String,
    pub items: usize,
    pub macro_f1: f64,
    pub logistics_f1: f64,
    pub labels: Vec<LabelScore>,
}

/// A cross-validation over the pooled tuning sets.
#[derive(Debug, Clone, Serialize)]
pub struct PooledEval {
    /// How the outer folds were made (`Stratified(5)`, `BySet`).
    pub scheme: String,
    /// Whether thresholds were chosen inside each outer training part (nested)
    /// or fixed at the defaults (0.5 / [`crate::categories::RULE_THRESHOLD`]).
    pub tuned: bool,
    pub items: usize,
    pub labels: Vec<LabelScore>,
    pub macro_f1: f64,
    pub micro_f1: f64,
    pub by_set: Vec<SetScore>,
    /// Thresholds of each outer fold's model: (label, no rule, rule hit).
    pub thresholds: Vec<Vec<(String, f32, f32)>>,
    #[serde(skip)]
    pub errors: Vec<CategoryError>,
}

/// Cross-validates the recipe over the tuning sets: each outer fold is
/// predicted by [`train_tuned`]'s recipe run on the other folds alone (its
/// thresholds from an inner `inner` cross-validation of those), or with the
/// default thresholds when `inner` is `None`. `seed` shuffles the outer folds
/// ([`FOLD_SEED`] for the reported figures).
pub fn cross_validate(
    t: &TuningSets,
    outer: FoldScheme,
    inner: Option<FoldScheme>,
    sentiment: Option<&SentimentModel>,
    seed: u64,
) -> Result<PooledEval, TextError> {
    let taxonomy = Taxonomy::default_taxonomy();
    let names = taxonomy.names();
    let prep = prepare(&t.items, sentiment);
    let (folds, fold) = assign_folds(t, outer, seed);
    let mut pred: Vec<Vec<String>> = vec![Vec::new(); t.items.len()];
    let mut rules: Vec<Vec<String>> = vec![Vec::new(); t.items.len()];
    let mut thresholds = Vec::new();
    for k in 0..folds {
        let train: Vec<usize> = (0..t.items.len()).filter(|&i| fold[i] != k).collect();
        let m = match inner {
            Some(s) => tuned_model(&taxonomy, t, &prep, &train, s)?,
            None => {
                let items: Vec<LabeledComplaint> =
                    train.iter().map(|&i| t.items[i].clone()).collect();
                train_categories(&taxonomy, &items)?
            }
        };
        let th = Thresholds::of(&m);
        thresholds.push(
            m.labels
                .iter()
                .enumerate()
                .map(|(o, l)| {
                    if l == OTHER {
                        (l.clone(), th.other, th.other)
                    } else {
                        (l.clone(), th.bar[o], th.rule_bar[o])
                    }
                })
                .collect(),
        );
        let clf = CategoryClassifier::new(taxonomy.clone(), Some(m))?;
        for i in (0..t.items.len()).filter(|&i| fold[i] == k) {
            let (tx, f) = &prep.feats[i];
            let (labels, ev) = clf.classify_with_sentiment(tx, f, prep.sentiment[i]);
            pred[i] = labels;
            rules[i] = ev
                .into_iter()
                .filter_map(|e| Some(format!("{}:{}", e.label, e.rule?)))
                .collect();
        }
    }
    let score = |idx: &[usize]| {
        let g: Vec<&LabeledComplaint> = idx.iter().map(|&i| &t.items[i]).collect();
        let p: Vec<Vec<String>> = idx.iter().map(|&i| pred[i].clone()).collect();
        score_predictions(&names, &g, &p)
    };
    let all: Vec<usize> = (0..t.items.len()).collect();
    let (labels, macro_f1, micro_f1) = score(&all);
    let mut by_set = Vec::new();
    for s in ["dev", "A", "A/chat", "B"] {
        let idx: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| {
                if s == "A/chat" {
                    t.stratum(i) == s
                } else {
                    t.set[i] == s
                }
            })
            .collect();
        if idx.is_empty() {
            continue;
        }
        let (l, m, _) = score(&idx);
        let logistics_f1 = l
            .iter()
            .find(|x| x.label == "logistics")
            .map_or(f64::NAN, |x| x.f1);
        by_set.push(SetScore {
            set: s.to_string(),
            items: idx.len(),
            macro_f1: m,
            logistics_f1,
            labels: l,
        });
    }
    let mut errors = Vec::new();
    for (i, it) in t.items.iter().enumerate() {
        let mut g = it.labels.clone();
        g.sort();
        let mut p = pred[i].clone();
        p.sort();
        if g != p {
            errors.push(CategoryError {
                id: format!("{}:{}", t.set[i], it.id),
                gold: g,
                predicted: p,
                rules: rules[i].clone(),
                text: it.text.clone(),
            });
        }
    }
    Ok(PooledEval {
        scheme: format!("{outer:?}"),
        tuned: inner.is_some(),
        items: t.items.len(),
        labels,
        macro_f1,
        micro_f1,
        by_set,
        thresholds,
        errors,
    })
}

/// Text table of a [`PooledEval`].
pub fn pooled_text(e: &PooledEval, show_errors: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  {} folds over {} tuning texts (dev + A + B), thresholds {}: macro-F1 {:.3}, micro-F1 {:.3}",
        e.scheme,
        e.items,
        if e.tuned {
            "chosen inside each training part"
        } else {
            "fixed"
        },
        e.macro_f1,
        e.micro_f1
    );
    let _ = writeln!(
        s,
        "    {:<16} {:>7} {:>9} {:>7} {:>7}",
        "label", "support", "precision", "recall", "F1"
    );
    for l in &e.labels {
        let _ = writeln!(
            s,
            "    {:<16} {:>7} {:>9.3} {:>7.3} {:>7.3}",
            l.label, l.support, l.precision, l.recall, l.f1
        );
    }
    for b in &e.by_set {
        let _ = writeln!(
            s,
            "    set {:<7} {:>4} texts: macro-F1 {:.3}, logistics F1 {:.3}",
            b.set, b.items, b.macro_f1, b.logistics_f1
        );
    }
    if show_errors {
        for x in &e.errors {
            let t: String = x.text.chars().take(90).collect();
            let _ = writeln!(
                s,
                "    {}\tgold {:?}\tpred {:?}\trules {:?}\t{}",
                x.id, x.gold, x.predicted, x.rules, t
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(text: &str, cat: &str, labels: &[&str]) -> LabeledComplaint {
        LabeledComplaint {
            id: text.to_string(),
            cat: cat.to_string(),
            text: text.to_string(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            urgent: false,
        }
    }

    fn sets() -> TuningSets {
        let mut items = Vec::new();
        let mut set = Vec::new();
        for (s, n) in [("dev", 20), ("A", 10), ("B", 10)] {
            for i in 0..n {
                let cat = if s == "A" && i % 2 == 0 {
                    "chat"
                } else {
                    "书籍"
                };
                items.push(item(&format!("{s} 快递太慢 {i}"), cat, &["logistics"]));
                set.push(s);
            }
        }
        // A copy of a dev text in B (same dedupe key): one fold for both.
        items.push(item("dev 快递太慢 3！", "书籍", &["logistics"]));
        set.push("B");
        TuningSets { items, set }
    }

    #[test]
    fn folds_are_stratified_by_set_and_keep_copies_together() {
        let t = sets();
        let (k, fold) = assign_folds(&t, FoldScheme::Stratified(5), 1);
        assert_eq!(k, 5);
        assert_eq!(fold[3], fold[40], "copies share a fold");
        for s in ["dev", "A", "B"] {
            let mut per = [0; 5];
            for i in (0..t.items.len()).filter(|&i| t.set[i] == s) {
                per[fold[i]] += 1;
            }
            assert!(per.iter().all(|&c| c >= 1), "{s}: {per:?}");
        }
        let (k, fold) = assign_folds(&t, FoldScheme::BySet, 1);
        assert_eq!(k, 3);
        assert!((0..t.items.len()).all(|i| fold[i] == fold[0] || t.set[i] != "dev"));
        assert_ne!(fold[0], fold[25]);
    }

    #[test]
    fn nested_cross_validation_runs_and_scores_every_text() {
        let t = sets();
        let k = FoldScheme::Stratified(3);
        let e = cross_validate(&t, k, Some(k), None, 7).unwrap();
        assert_eq!(e.items, t.items.len());
        assert_eq!(e.thresholds.len(), 3);
        let l = e.labels.iter().find(|l| l.label == "logistics").unwrap();
        assert_eq!(l.support, t.items.len());
        assert!(l.f1 > 0.9, "{}", l.f1);
        assert!(pooled_text(&e, false).contains("set dev"));
    }
}
