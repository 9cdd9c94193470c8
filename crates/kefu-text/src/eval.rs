//! Evaluation: sentiment on the held-out split, categories by cross-validation
//! on the labelled set, PII on the generated set, urgency on the labelled set.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::categories::{CategoryClassifier, OTHER, Taxonomy};
use crate::data::{LabeledComplaint, Sample, load_labeled_complaints};
use crate::error::TextError;
use crate::linear::Rng;
use crate::normalize::normalize;
use crate::pii_set;
use crate::sentiment::SentimentModel;
use crate::train::{accuracy, category_examples, sentiment_split, train_categories};
use crate::urgency::urgency;

/// Per-label precision, recall and F1.
#[derive(Debug, Clone, Serialize)]
pub struct LabelScore {
    pub label: String,
    pub support: usize,
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

fn prf(label: &str, tp: usize, fp: usize, fn_: usize) -> LabelScore {
    let p = if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let r = if tp + fn_ == 0 {
        0.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    let f = if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    };
    LabelScore {
        label: label.to_string(),
        support: tp + fn_,
        tp,
        fp,
        fn_,
        precision: p,
        recall: r,
        f1: f,
    }
}

/// One misclassified labelled item.
#[derive(Debug, Clone)]
pub struct CategoryError {
    pub id: String,
    pub gold: Vec<String>,
    pub predicted: Vec<String>,
    /// `label:matched` for every rule that fired.
    pub rules: Vec<String>,
    pub text: String,
}

/// Category cross-validation result.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryEval {
    pub folds: usize,
    pub items: usize,
    pub labels: Vec<LabelScore>,
    pub macro_f1: f64,
    pub micro_f1: f64,
    /// Same folds with the rule layer alone (no trained model), for comparison.
    pub rules_only_macro_f1: f64,
    pub rules_only: Vec<LabelScore>,
    /// Misclassified items (`kefu text eval --show-errors`).
    #[serde(skip)]
    pub errors: Vec<CategoryError>,
}

fn score_predictions(
    names: &[&str],
    gold: &[&LabeledComplaint],
    pred: &[Vec<String>],
) -> (Vec<LabelScore>, f64, f64) {
    let mut labels = Vec::new();
    let (mut stp, mut sfp, mut sfn) = (0, 0, 0);
    for name in names {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (g, p) in gold.iter().zip(pred) {
            let gi = g.labels.iter().any(|l| l == name);
            let pi = p.iter().any(|l| l == name);
            match (gi, pi) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fn_ += 1,
                _ => {}
            }
        }
        stp += tp;
        sfp += fp;
        sfn += fn_;
        labels.push(prf(name, tp, fp, fn_));
    }
    let macro_f1 = labels.iter().map(|l| l.f1).sum::<f64>() / labels.len().max(1) as f64;
    let micro = prf("micro", stp, sfp, sfn).f1;
    (labels, macro_f1, micro)
}

/// K-fold cross-validation of rules + model on the labelled complaints: the
/// model of each fold is trained on the other folds only. `sentiment`, when
/// given, gates the labels as [`crate::Analyzer`] does.
pub fn eval_categories(
    items: &[LabeledComplaint],
    folds: usize,
    sentiment: Option<&SentimentModel>,
) -> Result<CategoryEval, TextError> {
    let taxonomy = Taxonomy::default_taxonomy();
    let names: Vec<&str> = taxonomy.names();
    let mut order: Vec<usize> = (0..items.len()).collect();
    Rng(20241122).shuffle(&mut order);
    let feats = category_examples(items);
    let mut pred = vec![Vec::new(); items.len()];
    let mut pred_rules = vec![Vec::new(); items.len()];
    let mut hits = vec![Vec::new(); items.len()];
    let rules_only = CategoryClassifier::new(taxonomy.clone(), None)?;
    for k in 0..folds {
        let test: Vec<usize> = order.iter().copied().skip(k).step_by(folds).collect();
        let train: Vec<LabeledComplaint> = order
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != k)
            .map(|(_, &j)| items[j].clone())
            .collect();
        let model = train_categories(&taxonomy, &train)?;
        let clf = CategoryClassifier::new(taxonomy.clone(), Some(model))?;
        for &j in &test {
            let (t, f) = &feats[j];
            let p = sentiment.map(|m| m.score_features(f, &normalize(&items[j].text).emoticons));
            pred[j] = clf.classify_with_sentiment(t, f, p).0;
            let (labels, ev) = rules_only.classify(t, f);
            pred_rules[j] = labels;
            hits[j] = ev
                .into_iter()
                .map(|e| format!("{}:{}", e.label, e.rule.unwrap_or_default()))
                .collect();
        }
    }
    let gold: Vec<&LabeledComplaint> = items.iter().collect();
    let (labels, macro_f1, micro_f1) = score_predictions(&names, &gold, &pred);
    let (rules_only, rules_only_macro_f1, _) = score_predictions(&names, &gold, &pred_rules);
    let mut errors = Vec::new();
    for (j, it) in items.iter().enumerate() {
        let mut g = it.labels.clone();
        g.sort();
        let mut p = pred[j].clone();
        p.sort();
        if g != p {
            errors.push(CategoryError {
                id: it.id.clone(),
                gold: g,
                predicted: p,
                rules: hits[j].clone(),
                text: it.text.clone(),
            });
        }
    }
    Ok(CategoryEval {
        folds,
        items: items.len(),
        labels,
        macro_f1,
        micro_f1,
        rules_only_macro_f1,
        rules_only,
        errors,
    })
}

/// Sentiment accuracy on the held-out side of the grouped split.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentEval {
    /// (source, held-out texts, accuracy)
    pub by_source: Vec<(String, usize, f64)>,
    /// (product category of online_shopping, texts, accuracy)
    pub by_category: Vec<(String, usize, f64)>,
    pub overall: f64,
    pub held_out: usize,
    pub train: usize,
    pub duplicates: usize,
    pub conflicting: usize,
}

pub fn eval_sentiment(model: &SentimentModel, data_dir: &Path) -> Result<SentimentEval, TextError> {
    let split = sentiment_split(data_dir, &[])?;
    let mut by_source: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
    let mut by_cat: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
    for s in &split.test {
        by_source.entry(s.source.clone()).or_default().push(s);
        if s.source == "online_shopping" {
            by_cat.entry(s.cat.clone()).or_default().push(s);
        }
    }
    let all: Vec<&Sample> = split.test.iter().collect();
    Ok(SentimentEval {
        by_source: by_source
            .into_iter()
            .map(|(k, v)| (k, v.len(), accuracy(model, &v)))
            .collect(),
        by_category: by_cat
            .into_iter()
            .map(|(k, v)| (k, v.len(), accuracy(model, &v)))
            .collect(),
        overall: accuracy(model, &all),
        held_out: split.test.len(),
        train: split.train.len(),
        duplicates: split.duplicates,
        conflicting: split.conflicting,
    })
}

/// Urgency precision/recall on the labelled complaints.
pub fn eval_urgency(model: &SentimentModel, items: &[LabeledComplaint]) -> (usize, usize, usize) {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for c in items {
        let t = normalize(&c.text).text;
        let pred = !urgency(&t, model.score(&c.text)).is_empty();
        match (c.urgent, pred) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            _ => {}
        }
    }
    (tp, fp, fn_)
}

/// Everything `kefu text eval` reports.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub sentiment: Option<SentimentEval>,
    pub categories: Option<CategoryEval>,
    pub pii_precision: f64,
    pub pii_recall: f64,
    /// (kind, tp, fp, fn)
    pub pii_per_kind: Vec<(String, usize, usize, usize)>,
    pub pii_cases: usize,
    #[serde(skip)]
    pub pii_errors: Vec<String>,
    /// (tp, fp, fn) of `urgent` on the labelled set.
    pub urgency: Option<(usize, usize, usize)>,
    /// Three-class chat sentiment, cross-validated on the labelled chat turns.
    pub chat: Option<crate::chat_sentiment::ChatEval>,
}

/// Runs all evaluations; sections whose data is missing are skipped.
pub fn run_all(
    model: &SentimentModel,
    data_dir: Option<&Path>,
    folds: usize,
) -> Result<EvalReport, TextError> {
    let pii = pii_set::score(&pii_set::build(8));
    let mut report = EvalReport {
        sentiment: None,
        categories: None,
        pii_precision: pii.precision(),
        pii_recall: pii.recall(),
        pii_per_kind: pii
            .per_kind
            .iter()
            .map(|&(k, tp, fp, fn_)| (k.as_str().to_string(), tp, fp, fn_))
            .collect(),
        pii_cases: pii.cases,
        pii_errors: pii.errors.clone(),
        urgency: None,
        chat: None,
    };
    if let Some(d) = data_dir {
        report.sentiment = Some(eval_sentiment(model, d)?);
        let items = load_labeled_complaints(d)?;
        report.categories = Some(eval_categories(&items, folds, Some(model))?);
        report.urgency = Some(eval_urgency(model, &items));
        let turns = crate::chat_sentiment::load_chat_turns(d)?;
        report.chat = Some(crate::chat_sentiment::cross_validate(
            &turns,
            model,
            crate::tools::CHAT_FOLDS,
            crate::tools::CHAT_REPEATS,
        )?);
    }
    Ok(report)
}

/// Names of the default labels except `other` (used by tests).
pub fn default_labels() -> Vec<String> {
    Taxonomy::default_taxonomy()
        .names()
        .into_iter()
        .filter(|n| *n != OTHER)
        .map(str::to_string)
        .collect()
}
