//! Chinese text understanding for customer service: normalisation, PII masking,
//! segmentation and keywords, complaint categories, sentiment, urgency and spam.
//!
//! Start with [`Analyzer`]: it loads the embedded models and dictionaries once and
//! answers [`Analyzer::analyze`] for one text or [`Analyzer::analyze_batch`] for
//! many (rayon). What the `kefu text` subcommands compute is in [`tools`]; their
//! arguments and printing are the `kefu` binary's.

pub mod analyzer;
pub mod categories;
pub mod category_tuning;
pub mod chat_sentiment;
pub mod data;
pub mod error;
pub mod eval;
pub mod features;
pub mod intents;
pub mod keywords;
pub mod linear;
pub mod normalize;
pub mod pii;
pub mod pii_set;
pub mod sentiment;
pub mod spam;
pub mod tools;
pub mod train;
pub mod urgency;

pub use analyzer::{Analyzer, AnalyzerOptions, TextAnalysis, global};
pub use categories::{CategoryClassifier, Taxonomy, primary_category};
pub use chat_sentiment::{ChatSentiment, ChatSentimentModel};
pub use error::TextError;
pub use intents::Intents;
pub use keywords::{KeywordMethod, KeywordTrend, Segmenter};
pub use normalize::{Normalized, normalize};
pub use pii::{PiiKind, PiiMatch};
pub use sentiment::{SentimentLabel, SentimentModel};
