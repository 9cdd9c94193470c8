//! [`Analyzer`]: everything about one text in one call.

use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Serialize;

use crate::categories::{CategoryClassifier, CategoryScore, Taxonomy};
use crate::chat_sentiment::ChatSentimentModel;
use crate::error::TextError;
use crate::features::char_ngrams;
use crate::keywords::{KeywordMethod, Segmenter};
use crate::normalize::normalize;
use crate::pii::{self, PiiMatch};
use crate::sentiment::{SentimentLabel, SentimentModel};
use crate::spam::{SpamReason, chat_spam, spam};
use crate::urgency::{UrgencyReason, urgency};

/// What [`Analyzer::analyze`] computes beyond the fast core.
#[derive(Debug, Clone)]
pub struct AnalyzerOptions {
    /// Keywords per text (0 = none). Keywords need jieba and cost most of the
    /// time per text, so ingest may turn them off.
    pub keywords: usize,
    pub keyword_method: KeywordMethod,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        AnalyzerOptions {
            keywords: 5,
            keyword_method: KeywordMethod::Tfidf,
        }
    }
}

/// The result of analysing one text. The original is not repeated here: the
/// caller has it; `masked` is the original with PII masked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextAnalysis {
    /// Normalised text (half-width, simplified, emoji as codes), with PII masked
    /// like `masked`, so neither text field needs scrubbing before storage.
    pub normalized: String,
    /// The original text with PII masked (`138****5678`).
    pub masked: String,
    pub pii: Vec<PiiMatch>,
    /// Complaint categories (multi-label; `other` when nothing applies).
    pub labels: Vec<String>,
    /// Evidence per category: model score and the rule that fired.
    pub categories: Vec<CategoryScore>,
    /// In [0, 1]: P(positive) of the review model for reviews, the chat model's
    /// score for chat turns ([`crate::ChatSentiment::score`]); below 0.4 is negative.
    pub sentiment: f32,
    pub sentiment_label: SentimentLabel,
    pub urgent: bool,
    pub urgency_reasons: Vec<UrgencyReason>,
    pub spam: Option<SpamReason>,
    pub keywords: Vec<String>,
    /// Chat turns: the customer's intent (咨询意图, `dict/intents.toml`); None for
    /// reviews and comments.
    pub intent: Option<String>,
}

impl TextAnalysis {
    /// Urgency reasons as `kind:matched` strings (the CLI's `reasons`).
    pub fn reasons(&self) -> Vec<String> {
        self.urgency_reasons
            .iter()
            .map(|r| format!("{}:{}", r.kind, r.matched))
            .collect()
    }
}

/// The process-wide analyzer with the embedded defaults, built on first use.
///
/// # Panics
/// If the embedded models do not load, which the tests rule out for a build.
pub fn global() -> &'static Analyzer {
    static GLOBAL: OnceLock<Analyzer> = OnceLock::new();
    GLOBAL.get_or_init(|| Analyzer::new().expect("embedded kefu-text models load"))
}

/// Loads the models and dictionaries once; `Send + Sync`, cheap per call.
#[derive(Debug)]
pub struct Analyzer {
    sentiment: SentimentModel,
    chat: ChatSentimentModel,
    intents: crate::Intents,
    categories: CategoryClassifier,
    segmenter: OnceLock<Segmenter>,
    options: AnalyzerOptions,
}

impl Analyzer {
    /// The embedded default models, taxonomy and dictionaries.
    pub fn new() -> Result<Analyzer, TextError> {
        Self::with_parts(
            SentimentModel::embedded()?,
            CategoryClassifier::embedded()?,
            AnalyzerOptions::default(),
        )
    }

    /// Default models with a user taxonomy merged into the default one.
    pub fn with_taxonomy(extra: Taxonomy) -> Result<Analyzer, TextError> {
        let mut t = Taxonomy::default_taxonomy();
        t.merge(extra);
        let cat = CategoryClassifier::embedded()?;
        let cat = CategoryClassifier::new(t, cat.model().cloned())?;
        Self::with_parts(SentimentModel::embedded()?, cat, AnalyzerOptions::default())
    }

    pub fn with_parts(
        sentiment: SentimentModel,
        categories: CategoryClassifier,
        options: AnalyzerOptions,
    ) -> Result<Analyzer, TextError> {
        Ok(Analyzer {
            sentiment,
            chat: ChatSentimentModel::embedded()?,
            intents: crate::Intents::embedded()?,
            categories,
            segmenter: OnceLock::new(),
            options,
        })
    }

    pub fn options(&self) -> &AnalyzerOptions {
        &self.options
    }

    pub fn set_options(&mut self, options: AnalyzerOptions) {
        self.options = options;
    }

    /// Replaces the chat sentiment model (a shop's own, from `kefu text train`).
    pub fn set_chat_model(&mut self, chat: ChatSentimentModel) {
        self.chat = chat;
    }

    /// Replaces the intent rules (a shop's own merged into the defaults).
    pub fn set_intents(&mut self, intents: crate::Intents) {
        self.intents = intents;
    }

    pub fn intents(&self) -> &crate::Intents {
        &self.intents
    }

    pub fn chat_model(&self) -> &ChatSentimentModel {
        &self.chat
    }

    pub fn sentiment_model(&self) -> &SentimentModel {
        &self.sentiment
    }

    pub fn categories(&self) -> &CategoryClassifier {
        &self.categories
    }

    /// The jieba segmenter, built on first use (≈0.5 s).
    pub fn segmenter(&self) -> &Segmenter {
        self.segmenter.get_or_init(Segmenter::new)
    }

    /// P(positive) of one text.
    pub fn sentiment(&self, text: &str) -> f32 {
        self.sentiment.score(text)
    }

    /// Three-class sentiment of one customer chat turn.
    pub fn chat_sentiment(&self, text: &str) -> crate::ChatSentiment {
        self.chat.predict(&self.sentiment, text)
    }

    /// Everything about one review, survey comment or other free text (the
    /// review sentiment model).
    pub fn analyze(&self, text: &str) -> TextAnalysis {
        self.analyze_as(text, false)
    }

    /// Everything about one customer chat turn (the chat sentiment model;
    /// categories and urgency as for reviews).
    pub fn analyze_chat(&self, text: &str) -> TextAnalysis {
        self.analyze_as(text, true)
    }

    fn analyze_as(&self, text: &str, chat: bool) -> TextAnalysis {
        let norm = normalize(text);
        let mut ngrams = Vec::with_capacity(norm.text.len());
        char_ngrams(&norm.text, &mut ngrams);
        let review = self.sentiment.score_features(&ngrams, &norm.emoticons);
        let (sentiment, sentiment_label) = if chat {
            let c = self.chat.predict_features(
                &self.sentiment,
                &norm.text,
                &norm.emoticons,
                &ngrams,
                review,
            );
            (c.score(), c.label)
        } else {
            (review, SentimentLabel::from_score(review))
        };
        let spam = if chat {
            chat_spam(&norm.text)
        } else {
            spam(&norm.text)
        };
        let (mut labels, categories) =
            self.categories
                .classify_with_sentiment(&norm.text, &ngrams, Some(review));
        if spam.is_some() {
            // Spam is not a complaint.
            labels = vec![crate::categories::OTHER.to_string()];
        }
        // Urgency's "very negative" is calibrated on the review score.
        let urgency_reasons = urgency(&norm.text, review);
        let pii = pii::detect(text);
        let masked = pii::mask_matches(text, &pii);
        let keywords = if self.options.keywords > 0 {
            self.segmenter()
                .keywords(
                    &norm.text,
                    self.options.keywords,
                    self.options.keyword_method,
                )
                .into_iter()
                .map(|k| k.word)
                .collect()
        } else {
            Vec::new()
        };
        let intent = chat.then(|| {
            self.intents
                .classify(&norm.text, sentiment_label)
                .to_string()
        });
        let normalized = if pii.is_empty() {
            norm.text
        } else {
            normalize(&masked).text
        };
        TextAnalysis {
            spam,
            normalized,
            masked,
            pii,
            labels,
            categories,
            sentiment,
            sentiment_label,
            urgent: !urgency_reasons.is_empty(),
            urgency_reasons,
            keywords,
            intent,
        }
    }

    /// [`Analyzer::analyze`] over many texts in parallel (rayon); same order.
    pub fn analyze_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<TextAnalysis> {
        if self.options.keywords > 0 {
            let _ = self.segmenter();
        }
        texts.par_iter().map(|t| self.analyze(t.as_ref())).collect()
    }

    /// [`Analyzer::analyze_chat`] over many turns in parallel (rayon); same order.
    pub fn analyze_batch_chat<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<TextAnalysis> {
        if self.options.keywords > 0 {
            let _ = self.segmenter();
        }
        texts
            .par_iter()
            .map(|t| self.analyze_chat(t.as_ref()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
    }
}
