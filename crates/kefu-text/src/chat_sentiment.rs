//! Three-class sentiment of customer chat turns: negative / neutral / positive.
//!
//! The review model ([`SentimentModel`]) knows praise from complaint but has never
//! seen a plain question: on chat it calls most "什么时候发货" negative. The chat
//! model is a one-vs-rest logistic regression over three kinds of features: the
//! char n-grams, the review model's score (thermometer-coded), and cue-word counts
//! the review corpora lack (questions, acknowledgements, order numbers, waiting,
//! money, challenge; `dict/chat_cues.toml`). It is fitted on the hand-labelled
//! real chat turns (`ecd_cs_turns_dev.jsonl`), and its figures are cross-validated
//! ([`cross_validate`]); see `models/MODEL_CARD.md`.
//!
//! The stored score stays in [0, 1] with the labels' thresholds
//! ([`NEGATIVE_BELOW`], [`POSITIVE_FROM`]): [`ChatSentiment::score`] maps the three
//! probabilities onto that scale, so `sentiment < 0.4` in SQL is exactly "labelled
//! negative" and lower means more surely negative.

use std::collections::BTreeMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use crate::error::TextError;
use crate::features::{char_ngrams, hash_str};
use crate::linear::{Example, LinearModel, Rng, TrainParams, sigmoid};
use crate::normalize::normalize;
use crate::sentiment::{NEGATIVE_BELOW, POSITIVE_FROM, SentimentLabel, SentimentModel};

/// The embedded cue words.
pub static DEFAULT_CUES: &str = include_str!("../dict/chat_cues.toml");
/// The embedded chat model (written by `kefu text train`).
pub static DEFAULT_CHAT_MODEL: &[u8] = include_bytes!("../models/chat_sentiment.kfm");

/// Hash-space size: a few thousand turns of training text need no more.
pub const CHAT_BITS: u32 = 16;

/// Output order of the model.
pub const CLASSES: [SentimentLabel; 3] = [
    SentimentLabel::Negative,
    SentimentLabel::Neutral,
    SentimentLabel::Positive,
];

/// Review-score cut points of the thermometer code (`P(positive) < t`).
const REVIEW_CUTS: [f32; 7] = [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
/// Length cut points in characters (`len ≥ n`).
const LENGTH_CUTS: [usize; 5] = [3, 6, 12, 25, 50];

/// Cue-word groups, matched in one pass.
#[derive(Debug, Clone)]
pub struct ChatCues {
    groups: Vec<String>,
    group_of: Vec<usize>,
    matcher: AhoCorasick,
    /// Per group: hashes of "≥1", "≥2", "≥3 hits".
    hashes: Vec<[u32; 3]>,
    /// The `question` group, whose absence turns a cue into a statement.
    question: Option<usize>,
    /// The `greet` group, counted only in turns that are nothing but a greeting.
    greet: Option<usize>,
}

impl ChatCues {
    /// The embedded cue words.
    pub fn embedded() -> Result<ChatCues, TextError> {
        Self::from_toml(DEFAULT_CUES)
    }

    /// `group = ["word", …]` tables; group order is the file's.
    pub fn from_toml(s: &str) -> Result<ChatCues, TextError> {
        let table: toml::Table =
            toml::from_str(s).map_err(|e| TextError::Data(format!("chat cues: {e}")))?;
        let mut groups = Vec::new();
        let mut words = Vec::new();
        let mut group_of = Vec::new();
        for (name, v) in &table {
            let list = v.as_array().ok_or_else(|| {
                TextError::Data(format!("chat cues: `{name}` is not a list of words"))
            })?;
            let g = groups.len();
            groups.push(name.clone());
            for w in list {
                let w = w.as_str().ok_or_else(|| {
                    TextError::Data(format!("chat cues: `{name}` holds a non-string"))
                })?;
                if !w.is_empty() {
                    words.push(normalize(w).text);
                    group_of.push(g);
                }
            }
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&words)
            .map_err(|e| TextError::Data(format!("chat cues: {e}")))?;
        let hashes = groups
            .iter()
            .map(|g| [1, 2, 3].map(|n| hash_str(&format!("chat:cue:{g}:{n}"))))
            .collect();
        let question = groups.iter().position(|g| g == "question");
        let greet = groups.iter().position(|g| g == "greet");
        Ok(ChatCues {
            greet,
            groups,
            group_of,
            matcher,
            hashes,
            question,
        })
    }

    /// Group names in file order.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Starting weights `(feature, output, value)` from what each group means: a
    /// problem, anger or waiting leans negative, thanks positive, questions and
    /// acknowledgements neutral. The labelled turns then adjust them; without the
    /// prior a cue word that never occurs in them ("碎了") would count for nothing.
    pub fn prior(&self, strength: f32) -> Vec<(u32, usize, f32)> {
        const LEANS: [(&str, usize, f32); 9] = [
            ("complain", 0, 1.0),
            ("problem", 0, 1.0),
            ("delay", 0, 0.7),
            ("money", 0, 0.5),
            ("why", 0, 0.5),
            ("positive", 2, 1.0),
            ("question", 1, 0.5),
            ("ack", 1, 0.5),
            ("greet", 1, 0.3),
        ];
        let mut out = Vec::new();
        for (name, output, w) in LEANS {
            if let Some(g) = self.groups.iter().position(|x| x == name) {
                out.push((self.hashes[g][0], output, w * strength));
                if output == 0 {
                    // Stated, not asked: surer still.
                    out.push((statement_hash(self.hashes[g][0]), output, w * strength));
                }
            }
        }
        out
    }

    /// Hit count per group in `text` (normalised), overlapping matches included.
    pub fn counts(&self, text: &str) -> Vec<usize> {
        let mut c = vec![0usize; self.groups.len()];
        for m in self.matcher.find_overlapping_iter(text) {
            c[self.group_of[m.pattern().as_usize()]] += 1;
        }
        c
    }

    /// The dense features of one turn, as unit-weight hashed ids appended to `out`.
    pub fn features(&self, text: &str, review_p: f32, out: &mut Vec<u32>) {
        let counts = self.counts(text);
        let end = text
            .trim_end_matches(|c: char| c.is_whitespace() || c == '~' || c == '.')
            .chars()
            .last();
        let ends_question = matches!(end, Some('?' | '吗' | '呢' | '么'));
        let asks = ends_question
            || self
                .question
                .is_some_and(|q| counts.get(q).is_some_and(|&n| n > 0));
        // A greeting before the message proper says nothing about it; a turn that
        // is only a greeting is neutral, and the cue is for those.
        let opened = without_openers(text).is_some();
        for (g, &n) in counts.iter().enumerate() {
            if opened && Some(g) == self.greet {
                continue;
            }
            for (k, h) in self.hashes[g].iter().enumerate() {
                if n > k {
                    out.push(*h);
                }
            }
            // "会掉色吗" asks about a defect; "掉色了" reports one.
            if n > 0 && !asks {
                out.push(statement_hash(self.hashes[g][0]));
            }
        }
        for t in REVIEW_CUTS {
            if review_p < t {
                out.push(hash_str(&format!("chat:review<{t}")));
            }
        }
        let len = text.chars().filter(|c| !c.is_whitespace()).count();
        for n in LENGTH_CUTS {
            if len >= n {
                out.push(hash_str(&format!("chat:len>={n}")));
            }
        }
        if ends_question {
            out.push(hash_str("chat:ends-question"));
        }
        let mut run = 0usize;
        let mut long_number = false;
        for c in text.chars() {
            run = if c.is_ascii_digit() { run + 1 } else { 0 };
            long_number |= run >= 6;
        }
        if long_number {
            out.push(hash_str("chat:number>=6"));
        }
    }
}

/// Openers that say nothing about the turn's sentiment; the n-grams skip them so
/// "你好，…碎了" reads like "…碎了" (the `greet` cue still sees them).
const OPENERS: [&str; 8] = ["你好", "您好", "在吗", "在么", "亲亲", "亲", "客服", "老板"];

/// `text` without its openers, or None when it has none (or is nothing else).
fn without_openers(text: &str) -> Option<&str> {
    let mut rest = text;
    loop {
        let t = rest.trim_start_matches(|c: char| {
            c.is_whitespace() || c.is_ascii_punctuation() || "，。！？～、".contains(c)
        });
        match OPENERS.iter().find(|o| t.starts_with(*o)) {
            Some(o) => rest = &t[o.len()..],
            None => {
                rest = t;
                break;
            }
        }
    }
    (rest.len() != text.len() && !rest.is_empty()).then_some(rest)
}

/// The feature "this group's cue in a turn that asks nothing".
fn statement_hash(group: u32) -> u32 {
    group.rotate_left(7) ^ 0x5A5A_5A5A
}

/// One hand-labelled chat turn.
#[derive(Debug, Clone, Deserialize)]
pub struct ChatTurn {
    pub text: String,
    #[serde(deserialize_with = "label_de")]
    pub sentiment: SentimentLabel,
    #[serde(default)]
    pub confidence: String,
}

fn label_de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SentimentLabel, D::Error> {
    let s = String::deserialize(d)?;
    match s.as_str() {
        "negative" => Ok(SentimentLabel::Negative),
        "neutral" => Ok(SentimentLabel::Neutral),
        "positive" => Ok(SentimentLabel::Positive),
        other => Err(serde::de::Error::custom(format!(
            "sentiment `{other}` is not negative, neutral or positive"
        ))),
    }
}

/// The labelled chat turns of the data directory (`sentiment/ecd_cs_turns_dev.jsonl`).
pub fn load_chat_turns(data_dir: &Path) -> Result<Vec<ChatTurn>, TextError> {
    let path = data_dir.join("sentiment/ecd_cs_turns_dev.jsonl");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| TextError::Data(format!("{}: {e}", path.display())))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| TextError::Data(format!("{}:{}: {e}", path.display(), i + 1)))
        })
        .collect()
}

/// The chat sentiment of one turn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChatSentiment {
    /// P(negative), P(neutral), P(positive); they sum to 1.
    pub probabilities: [f32; 3],
    pub label: SentimentLabel,
}

impl ChatSentiment {
    fn from_logits(z: &[f32]) -> ChatSentiment {
        let p: Vec<f32> = z.iter().map(|&x| sigmoid(x)).collect();
        let sum: f32 = p.iter().sum::<f32>().max(f32::MIN_POSITIVE);
        let probabilities = [p[0] / sum, p[1] / sum, p[2] / sum];
        let best = (0..3)
            .max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]))
            .unwrap_or(1);
        ChatSentiment {
            probabilities,
            label: CLASSES[best],
        }
    }

    /// The score on the review scale, in [0, 1]: negative turns below
    /// [`NEGATIVE_BELOW`] (lower = more surely negative), neutral ones in
    /// [`NEGATIVE_BELOW`, [`POSITIVE_FROM`]) leaning by P(pos) against P(neg),
    /// positive ones from [`POSITIVE_FROM`] up (higher = more surely positive).
    pub fn score(&self) -> f32 {
        let [neg, _, pos] = self.probabilities;
        match self.label {
            SentimentLabel::Negative => NEGATIVE_BELOW * (1.0 - neg).clamp(0.0, 0.999),
            SentimentLabel::Neutral => {
                let lean = if pos + neg > 0.0 {
                    pos / (pos + neg)
                } else {
                    0.5
                };
                (NEGATIVE_BELOW + (POSITIVE_FROM - NEGATIVE_BELOW) * lean).min(POSITIVE_FROM - 1e-4)
            }
            SentimentLabel::Positive => POSITIVE_FROM + (1.0 - POSITIVE_FROM) * pos,
        }
    }
}

/// A loaded chat sentiment model with its cue words.
#[derive(Debug, Clone)]
pub struct ChatSentimentModel {
    model: LinearModel,
    cues: ChatCues,
}

/// Training knobs of the chat model; the defaults were chosen by cross-validation
/// (see the model card).
#[derive(Debug, Clone, Copy)]
pub struct ChatTrainParams {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    /// Extra weight on negative turns beyond the inverse class frequency: missing
    /// a complaint costs a manager more than a question read as one.
    pub negative_boost: f32,
    /// Weight of a turn whose label the annotator marked low-confidence.
    pub low_confidence_weight: f32,
    /// Weight of the char n-grams against the cue and score features.
    pub ngram_scale: f32,
    /// Scale of the cue groups' starting weights ([`ChatCues::prior`]; 0 = none).
    pub prior: f32,
}

impl Default for ChatTrainParams {
    fn default() -> Self {
        ChatTrainParams {
            epochs: 80,
            learning_rate: 0.1,
            l2: 1e-3,
            negative_boost: 2.0,
            low_confidence_weight: 1.0,
            ngram_scale: 1.0,
            prior: 1.0,
        }
    }
}

fn chat_params(p: &ChatTrainParams, class_weights: [f32; 3], cues: &ChatCues) -> TrainParams {
    let mut w = class_weights;
    w[0] *= p.negative_boost;
    TrainParams {
        epochs: p.epochs,
        learning_rate: p.learning_rate,
        l2: p.l2,
        seed: 20261203,
        pos_weight: w.to_vec(),
        init: if p.prior > 0.0 {
            cues.prior(p.prior)
        } else {
            Vec::new()
        },
        init_bias: Vec::new(),
    }
}

impl ChatSentimentModel {
    /// The embedded model and cue words.
    pub fn embedded() -> Result<Self, TextError> {
        Self::from_bytes(DEFAULT_CHAT_MODEL)
    }

    /// A model file with the embedded cue words.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TextError> {
        let model = LinearModel::from_bytes(bytes)?;
        let want: Vec<String> = CLASSES.iter().map(|c| c.as_str().to_string()).collect();
        if model.labels != want {
            return Err(TextError::Model(format!(
                "a chat sentiment model has the outputs {want:?}, this one {:?}",
                model.labels
            )));
        }
        Ok(ChatSentimentModel {
            model,
            cues: ChatCues::embedded()?,
        })
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, TextError> {
        self.model.to_bytes()
    }

    /// Provenance and cross-validated figures recorded at training time.
    pub fn meta(&self) -> &BTreeMap<String, String> {
        &self.model.meta
    }

    /// Sentiment of a normalised turn (`text`, its `emoticons`) whose char n-grams
    /// and review score are known (the analyzer computes both once for all models).
    /// A turn that opens with a greeting is read without it: n-grams and review
    /// score are recomputed on the rest.
    pub fn predict_features(
        &self,
        review: &SentimentModel,
        text: &str,
        emoticons: &[String],
        ngrams: &[u32],
        review_p: f32,
    ) -> ChatSentiment {
        let own = without_openers(text).map(|rest| {
            let mut f = Vec::new();
            char_ngrams(rest, &mut f);
            let p = review.score_features(&f, emoticons);
            (f, p)
        });
        let (ngrams, review_p) = match &own {
            Some((f, p)) => (f.as_slice(), *p),
            None => (ngrams, review_p),
        };
        let mut extra = Vec::with_capacity(32);
        self.cues.features(text, review_p, &mut extra);
        let mut z = Vec::with_capacity(3);
        self.model.logits_into(ngrams, &extra, &mut z);
        ChatSentiment::from_logits(&z)
    }

    /// Sentiment of a raw turn.
    pub fn predict(&self, review: &SentimentModel, text: &str) -> ChatSentiment {
        let n = normalize(text);
        let mut f = Vec::new();
        char_ngrams(&n.text, &mut f);
        let p = review.score_features(&f, &n.emoticons);
        self.predict_features(review, &n.text, &n.emoticons, &f, p)
    }

    /// Fits a model on labelled turns; `review` supplies the review-score features.
    /// Classes are weighted inversely to their frequency so the rare positive and
    /// negative turns are not drowned by neutral ones.
    pub fn train(
        turns: &[ChatTurn],
        review: &SentimentModel,
        meta: BTreeMap<String, String>,
    ) -> Result<ChatSentimentModel, TextError> {
        Self::train_with(turns, review, meta, &ChatTrainParams::default())
    }

    /// [`ChatSentimentModel::train`] with other knobs.
    pub fn train_with(
        turns: &[ChatTurn],
        review: &SentimentModel,
        meta: BTreeMap<String, String>,
        params: &ChatTrainParams,
    ) -> Result<ChatSentimentModel, TextError> {
        let cues = ChatCues::embedded()?;
        let mut counts = [0usize; 3];
        for t in turns {
            counts[class_index(t.sentiment)] += 1;
        }
        let total = turns.len().max(1) as f32;
        let weights = counts.map(|c| {
            if c == 0 {
                1.0
            } else {
                total / (3.0 * c as f32)
            }
        });
        let examples: Vec<Example> = turns
            .iter()
            .map(|t| {
                let n = normalize(&t.text);
                let mut features = Vec::new();
                char_ngrams(without_openers(&n.text).unwrap_or(&n.text), &mut features);
                let p = review.score_features(&features, &n.emoticons);
                let mut extra = Vec::new();
                cues.features(&n.text, p, &mut extra);
                let k = class_index(t.sentiment);
                if params.ngram_scale == 0.0 {
                    features.clear();
                }
                Example {
                    features,
                    extra,
                    targets: (0..3).map(|j| if j == k { 1.0 } else { 0.0 }).collect(),
                    weight: if t.confidence == "low" {
                        params.low_confidence_weight
                    } else {
                        1.0
                    },
                }
            })
            .collect();
        let labels = CLASSES.iter().map(|c| c.as_str().to_string()).collect();
        let mut model = LinearModel::train(
            CHAT_BITS,
            labels,
            &examples,
            &chat_params(params, weights, &cues),
        );
        model.meta = meta;
        Ok(ChatSentimentModel { model, cues })
    }
}

fn class_index(l: SentimentLabel) -> usize {
    match l {
        SentimentLabel::Negative => 0,
        SentimentLabel::Neutral => 1,
        SentimentLabel::Positive => 2,
    }
}

/// Cross-validated figures of the chat model, and of the review model's
/// thresholds on the same turns for comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ChatEval {
    pub turns: usize,
    pub folds: usize,
    pub repeats: usize,
    /// Means over the repeats.
    pub accuracy: f64,
    pub macro_f1: f64,
    /// F1 of negative, neutral, positive.
    pub f1: [f64; 3],
    /// Share of neutral turns labelled negative.
    pub neutral_as_negative: f64,
    /// Rows gold, columns predicted (negative, neutral, positive), summed over repeats.
    pub confusion: [[usize; 3]; 3],
    /// The review model with its fixed thresholds on the same turns.
    pub review_baseline: ChatFigures,
}

/// Accuracy, macro-F1, per-class F1 and neutral→negative of one labelling.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ChatFigures {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub f1: [f64; 3],
    pub neutral_as_negative: f64,
}

/// Figures of predicted against gold labels.
pub fn figures(confusion: &[[usize; 3]; 3]) -> ChatFigures {
    let total: usize = confusion.iter().flatten().sum();
    let right: usize = (0..3).map(|k| confusion[k][k]).sum();
    let f1 = [0, 1, 2].map(|k| {
        let tp = confusion[k][k] as f64;
        let pred: usize = (0..3).map(|g| confusion[g][k]).sum();
        let gold: usize = confusion[k].iter().sum();
        if pred + gold == 0 {
            0.0
        } else {
            2.0 * tp / (pred + gold) as f64
        }
    });
    let neutral: usize = confusion[1].iter().sum();
    ChatFigures {
        accuracy: right as f64 / total.max(1) as f64,
        macro_f1: f1.iter().sum::<f64>() / 3.0,
        f1,
        neutral_as_negative: confusion[1][0] as f64 / neutral.max(1) as f64,
    }
}

/// Stratified `folds`-fold cross-validation, repeated `repeats` times with
/// different shuffles; each fold's model is trained on the other folds only.
pub fn cross_validate(
    turns: &[ChatTurn],
    review: &SentimentModel,
    folds: usize,
    repeats: usize,
) -> Result<ChatEval, TextError> {
    cross_validate_with(turns, review, folds, repeats, &ChatTrainParams::default())
}

/// [`cross_validate`] with other training knobs (for choosing them).
pub fn cross_validate_with(
    turns: &[ChatTurn],
    review: &SentimentModel,
    folds: usize,
    repeats: usize,
    params: &ChatTrainParams,
) -> Result<ChatEval, TextError> {
    let folds = folds.max(2);
    let repeats = repeats.max(1);
    let mut total = [[0usize; 3]; 3];
    let mut sums = (0.0, 0.0, [0.0; 3], 0.0);
    for r in 0..repeats {
        let fold_of = stratified_folds(turns, folds, r as u64);
        let mut confusion = [[0usize; 3]; 3];
        for f in 0..folds {
            let train: Vec<ChatTurn> = (0..turns.len())
                .filter(|&i| fold_of[i] != f)
                .map(|i| turns[i].clone())
                .collect();
            let model = ChatSentimentModel::train_with(&train, review, BTreeMap::new(), params)?;
            for i in (0..turns.len()).filter(|&i| fold_of[i] == f) {
                let p = model.predict(review, &turns[i].text);
                confusion[class_index(turns[i].sentiment)][class_index(p.label)] += 1;
            }
        }
        let fig = figures(&confusion);
        sums.0 += fig.accuracy;
        sums.1 += fig.macro_f1;
        for k in 0..3 {
            sums.2[k] += fig.f1[k];
            for j in 0..3 {
                total[k][j] += confusion[k][j];
            }
        }
        sums.3 += fig.neutral_as_negative;
    }
    let n = repeats as f64;
    let mut baseline = [[0usize; 3]; 3];
    for t in turns {
        let label = SentimentLabel::from_score(review.score(&t.text));
        baseline[class_index(t.sentiment)][class_index(label)] += 1;
    }
    Ok(ChatEval {
        turns: turns.len(),
        folds,
        repeats,
        accuracy: sums.0 / n,
        macro_f1: sums.1 / n,
        f1: sums.2.map(|x| x / n),
        neutral_as_negative: sums.3 / n,
        confusion: total,
        review_baseline: figures(&baseline),
    })
}

/// The fold of each turn: every class shuffled (repeat `repeat`'s seed) and dealt
/// round-robin over `folds`, so each fold holds its share of the rare classes.
fn stratified_folds(turns: &[ChatTurn], folds: usize, repeat: u64) -> Vec<usize> {
    let mut rng = Rng(0x5EED_0000 + repeat);
    let mut fold_of = vec![0usize; turns.len()];
    for k in 0..3 {
        let mut idx: Vec<usize> = (0..turns.len())
            .filter(|&i| class_index(turns[i].sentiment) == k)
            .collect();
        rng.shuffle(&mut idx);
        for (j, i) in idx.into_iter().enumerate() {
            fold_of[i] = j % folds;
        }
    }
    fold_of
}

/// Each turn's label from a model trained without it (stratified `folds`-fold,
/// first repeat of [`cross_validate`]'s shuffles): what downstream rules (intents)
/// are evaluated with.
pub fn cross_validated_labels(
    turns: &[ChatTurn],
    review: &SentimentModel,
    folds: usize,
) -> Result<Vec<SentimentLabel>, TextError> {
    let folds = folds.max(2);
    let fold_of = stratified_folds(turns, folds, 0);
    let mut out = vec![SentimentLabel::Neutral; turns.len()];
    for f in 0..folds {
        let train: Vec<ChatTurn> = (0..turns.len())
            .filter(|&i| fold_of[i] != f)
            .map(|i| turns[i].clone())
            .collect();
        let model = ChatSentimentModel::train(&train, review, BTreeMap::new())?;
        for i in (0..turns.len()).filter(|&i| fold_of[i] == f) {
            out[i] = model.predict(review, &turns[i].text).label;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cues_count_each_group() {
        let cues = ChatCues::embedded().unwrap();
        let c = cues.counts("怎么还没发货,我要投诉");
        let g = |name: &str| cues.groups().iter().position(|x| x == name).unwrap();
        assert!(c[g("delay")] >= 2, "{c:?}");
        assert!(c[g("complain")] >= 1);
        assert_eq!(c[g("positive")], 0);
    }

    #[test]
    fn score_keeps_the_label_thresholds() {
        for (p, label) in [
            ([0.9, 0.05, 0.05], SentimentLabel::Negative),
            ([0.34, 0.33, 0.33], SentimentLabel::Negative),
            ([0.1, 0.8, 0.1], SentimentLabel::Neutral),
            ([0.0, 1.0, 0.0], SentimentLabel::Neutral),
            ([0.01, 0.01, 0.98], SentimentLabel::Positive),
        ] {
            let s = ChatSentiment {
                probabilities: p,
                label,
            }
            .score();
            assert_eq!(SentimentLabel::from_score(s), label, "{p:?} → {s}");
        }
        let sure = ChatSentiment {
            probabilities: [0.9, 0.05, 0.05],
            label: SentimentLabel::Negative,
        };
        let unsure = ChatSentiment {
            probabilities: [0.4, 0.35, 0.25],
            label: SentimentLabel::Negative,
        };
        assert!(sure.score() < unsure.score());
    }

    #[test]
    fn figures_from_a_confusion_matrix() {
        // gold neg: 8 right, 2 as neutral; gold neutral: 1 as neg, 18 right, 1 pos;
        // gold pos: 4 right.
        let f = figures(&[[8, 2, 0], [1, 18, 1], [0, 0, 4]]);
        assert!((f.accuracy - 30.0 / 34.0).abs() < 1e-12);
        assert!((f.f1[0] - 16.0 / 19.0).abs() < 1e-12);
        assert!((f.f1[1] - 36.0 / 40.0).abs() < 1e-12);
        assert!((f.f1[2] - 8.0 / 9.0).abs() < 1e-12);
        assert!((f.neutral_as_negative - 0.05).abs() < 1e-12);
    }
}
