//! Integration tests of kefu-text (one binary, one module per component).

mod analyzer;
mod categories;
mod data_eval;
mod intents_eval;
mod pii;
mod sentiment;
