//! Sentiment: P(positive) from a logistic regression over char 1–3-grams.
//!
//! Trained in Rust on the public review corpora (see `models/MODEL_CARD.md`);
//! the default model is embedded in the binary. Emoticon codes nudge the score
//! because the training reviews rarely contain them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::Sample;
use crate::error::TextError;
use crate::features::char_ngrams;
use crate::linear::{Example, LinearModel, TrainParams, sigmoid};
use crate::normalize::{EMOTICON_VALENCE, normalize};

/// The embedded default model (gzip, `i16` weights).
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../models/sentiment.kfm");

/// Hash-space size of the sentiment model: 2^20 buckets keeps collisions among
/// ~3M distinct n-grams tolerable while the file stays under 2 MB.
pub const SENTIMENT_BITS: u32 = 20;

/// Scores below this are `negative`; at or above [`POSITIVE_FROM`] `positive`.
pub const NEGATIVE_BELOW: f32 = 0.4;
/// See [`NEGATIVE_BELOW`].
pub const POSITIVE_FROM: f32 = 0.6;

/// Three-way sentiment label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

impl SentimentLabel {
    pub fn from_score(p: f32) -> Self {
        if p < NEGATIVE_BELOW {
            SentimentLabel::Negative
        } else if p >= POSITIVE_FROM {
            SentimentLabel::Positive
        } else {
            SentimentLabel::Neutral
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            SentimentLabel::Negative => "negative",
            SentimentLabel::Neutral => "neutral",
            SentimentLabel::Positive => "positive",
        }
    }
}

/// A loaded sentiment model.
#[derive(Debug, Clone)]
pub struct SentimentModel {
    model: LinearModel,
}

impl SentimentModel {
    /// The embedded default model.
    pub fn embedded() -> Result<Self, TextError> {
        Self::from_bytes(DEFAULT_MODEL)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TextError> {
        let model = LinearModel::from_bytes(bytes)?;
        if model.n_outputs() != 1 {
            return Err(TextError::Model(
                "a sentiment model has exactly one output".into(),
            ));
        }
        Ok(SentimentModel { model })
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, TextError> {
        self.model.to_bytes()
    }

    /// Provenance recorded at training time.
    pub fn meta(&self) -> &BTreeMap<String, String> {
        &self.model.meta
    }

    pub(crate) fn set_meta(&mut self, k: &str, v: String) {
        self.model.meta.insert(k.to_string(), v);
    }

    /// P(positive) of an already normalised text, `features` being its n-grams.
    pub fn score_features(&self, features: &[u32], emoticons: &[String]) -> f32 {
        let mut out = Vec::with_capacity(1);
        self.model.logits_into(features, &[], &mut out);
        let mut z = out[0];
        for e in emoticons {
            if let Some((_, v)) = EMOTICON_VALENCE.iter().find(|(c, _)| c == e) {
                z += v;
            }
        }
        sigmoid(z)
    }

    /// P(positive) of raw text.
    pub fn score(&self, text: &str) -> f32 {
        let n = normalize(text);
        let mut f = Vec::new();
        char_ngrams(&n.text, &mut f);
        self.score_features(&f, &n.emoticons)
    }

    /// Trains a new model from labelled samples.
    pub fn train(samples: &[Sample], meta: BTreeMap<String, String>) -> SentimentModel {
        let examples: Vec<Example> = samples
            .iter()
            .map(|s| {
                let mut f = Vec::new();
                char_ngrams(&normalize(&s.text).text, &mut f);
                Example {
                    features: f,
                    extra: Vec::new(),
                    targets: vec![if s.positive { 1.0 } else { 0.0 }],
                    weight: 1.0,
                }
            })
            .collect();
        let params = TrainParams {
            epochs: 6,
            learning_rate: 0.2,
            l2: 1e-6,
            seed: 20240601,
            pos_weight: vec![1.0],
            init: Vec::new(),
            init_bias: Vec::new(),
        };
        let mut model =
            LinearModel::train(SENTIMENT_BITS, vec!["positive".into()], &examples, &params);
        model.meta = meta;
        SentimentModel { model }
    }
}
