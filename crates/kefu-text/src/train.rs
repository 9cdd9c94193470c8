//! Training the shipped models from files: `kefu text train`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::categories::{CategoryExample, Taxonomy, train_category_model};
use crate::data::{
    LabeledComplaint, Sample, Split, dedupe_key, grouped_split, load_labeled_complaints,
    load_sentiment_corpora, load_star_reviews,
};
use crate::error::TextError;
use crate::features::char_ngrams;
use crate::linear::LinearModel;
use crate::normalize::normalize;
use crate::sentiment::SentimentModel;

/// 1 group in `HOLDOUT_MODULO` is held out for evaluation.
pub const HOLDOUT_MODULO: u64 = 10;

/// Loads the public corpora (and optional shop review files), dedupes and splits.
/// The labelled complaint texts are excluded so category evaluation never sees a
/// sentiment model trained on them.
pub fn sentiment_split(data_dir: &Path, shop_files: &[PathBuf]) -> Result<Split, TextError> {
    let mut samples = load_sentiment_corpora(data_dir)?;
    for f in shop_files {
        // Shop reviews go first so a shop's own copy defines the group.
        let mut shop = load_star_reviews(f)?;
        shop.append(&mut samples);
        samples = shop;
    }
    let exclude: HashSet<String> = match load_labeled_complaints(data_dir) {
        Ok(v) => v.iter().map(|c| dedupe_key(&c.text)).collect(),
        Err(_) => HashSet::new(),
    };
    Ok(grouped_split(samples, HOLDOUT_MODULO, &exclude))
}

/// Accuracy of `model` on `samples` (P ≥ 0.5 is positive).
pub fn accuracy(model: &SentimentModel, samples: &[&Sample]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let ok = samples
        .iter()
        .filter(|s| (model.score(&s.text) >= 0.5) == s.positive)
        .count();
    ok as f64 / samples.len() as f64
}

/// Trains a sentiment model on the train side of the split and records its
/// held-out accuracy in the model's metadata.
pub fn train_sentiment(split: &Split, sources: &str) -> SentimentModel {
    let meta = BTreeMap::from([
        ("kind".to_string(), "sentiment".to_string()),
        ("train_sources".to_string(), sources.to_string()),
        ("train_texts".to_string(), split.train.len().to_string()),
        ("held_out_texts".to_string(), split.test.len().to_string()),
    ]);
    let mut model = SentimentModel::train(&split.train, meta);
    let shop: Vec<&Sample> = split
        .test
        .iter()
        .filter(|s| s.source == "online_shopping")
        .collect();
    let all: Vec<&Sample> = split.test.iter().collect();
    let acc_shop = accuracy(&model, &shop);
    let acc_all = accuracy(&model, &all);
    model.set_meta(
        "held_out_accuracy_online_shopping",
        format!("{acc_shop:.4}"),
    );
    model.set_meta("held_out_accuracy_all", format!("{acc_all:.4}"));
    model
}

/// Category training examples from labelled complaints.
pub fn category_examples(items: &[LabeledComplaint]) -> Vec<(String, Vec<u32>)> {
    items
        .iter()
        .map(|c| {
            let t = normalize(&c.text).text;
            let mut f = Vec::new();
            char_ngrams(&t, &mut f);
            (t, f)
        })
        .collect()
}

/// Trains the category model on all labelled complaints.
pub fn train_categories(
    taxonomy: &Taxonomy,
    items: &[LabeledComplaint],
) -> Result<LinearModel, TextError> {
    let feats = category_examples(items);
    let ex: Vec<CategoryExample<'_>> = items
        .iter()
        .zip(&feats)
        .map(|(c, (t, f))| CategoryExample {
            ngrams: f.clone(),
            text: t,
            labels: &c.labels,
            weight: 1.0,
        })
        .collect();
    let mut m = train_category_model(taxonomy, &ex, 7)?;
    m.meta.insert("train_texts".into(), items.len().to_string());
    Ok(m)
}
