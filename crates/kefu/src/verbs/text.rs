//! `kefu text …`: classify, sentiment, keywords, mask, trends, eval, train.
//!
//! Line in, line out: one text per input line and one output line per input
//! line, in the same order, so the output can be pasted next to the input.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use kefu_text::eval::EvalReport;
use kefu_text::keywords::KeywordMethod;
use kefu_text::tools::{self, EvalOptions, ToolOptions};

/// `kefu text`: Chinese text analysis.
#[derive(Debug, Args)]
pub struct TextArgs {
    #[command(subcommand)]
    pub command: TextCommand,
}

/// Keyword algorithm (`kefu_text::KeywordMethod` as a command-line value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    Tfidf,
    Textrank,
}

impl From<Method> for KeywordMethod {
    fn from(m: Method) -> Self {
        match m {
            Method::Tfidf => KeywordMethod::Tfidf,
            Method::Textrank => KeywordMethod::Textrank,
        }
    }
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
    /// The lines are customer chat turns: three-class chat sentiment (neutral
    /// questions and requests are not negative) instead of the review model.
    #[arg(long)]
    pub chat: bool,
    /// A chat sentiment model written by `kefu text train` instead of the embedded one.
    #[arg(long, value_name = "FILE")]
    pub chat_model: Option<PathBuf>,
    /// Keywords per text.
    #[arg(short = 'k', long, default_value_t = 5)]
    pub top: usize,
    /// Keyword algorithm.
    #[arg(long, value_enum, default_value_t = Method::Tfidf)]
    pub method: Method,
}

impl LineArgs {
    fn analyzer(&self, keywords: usize) -> anyhow::Result<kefu_text::Analyzer> {
        tools::load_analyzer(&ToolOptions {
            categories: self.categories.clone(),
            sentiment_model: self.model.clone(),
            chat_model: self.chat_model.clone(),
            keywords,
            keyword_method: self.method.into(),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum TextCommand {
    /// Complaint categories, urgency, sentiment, spam and keywords per line.
    Classify(LineArgs),
    /// Score in [0, 1] and negative/neutral/positive per line (`--chat` for chat turns).
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
    /// Read every stored customer message, review and survey comment again with the
    /// data directory's current `[text]` settings (after a taxonomy or model change in
    /// kefu.toml), then rebuild the facts.
    Relabel {
        #[arg(long)]
        json: bool,
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
        /// Only retrain the sentiment models (review and chat).
        #[arg(long)]
        sentiment_only: bool,
        /// Only retrain the chat sentiment model (on the labelled chat turns, with
        /// the review model of `--model` or the embedded one).
        #[arg(long)]
        chat_only: bool,
        /// The review model whose scores the chat model reads.
        #[arg(long, value_name = "FILE")]
        model: Option<PathBuf>,
        /// The shop's own labelled texts (JSON lines `{"text","labels":[…]}`,
        /// repeatable): trains only the category model, for the taxonomy of the data
        /// directory's `[text]`, into `--out-dir`; point `[text].category_model` at it.
        #[arg(long = "labels", value_name = "JSONL")]
        labels: Vec<PathBuf>,
    },
}

/// One text per line of `input` (stdin for none or `-`), without line ends.
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

/// One JSON object on one line, keys as the serialised value orders them.
fn json_line(out: &mut dyn Write, v: &impl serde::Serialize) -> anyhow::Result<()> {
    writeln!(out, "{}", serde_json::to_value(v)?)?;
    Ok(())
}

/// Runs `kefu text …` against the data directory `dir` (only `relabel` reads it).
pub async fn run_in(dir: &Path, args: TextArgs) -> anyhow::Result<()> {
    match args.command {
        TextCommand::Relabel { json } => {
            let app = super::open(dir).await?;
            let r = app.relabel().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                println!(
                    "relabelled {} customer message(s) of {}, {} review(s), {} survey(s) (text settings {})",
                    r.customer_messages, r.messages, r.reviews, r.surveys, r.fingerprint
                );
                if let Some(f) = &r.facts {
                    println!(
                        "facts rebuilt: {} conversation(s), {} round(s), {:.1}s",
                        f.conversations, f.rounds, f.secs
                    );
                }
            }
            Ok(())
        }
        TextCommand::Train {
            ref labels,
            ref out_dir,
            ..
        } if !labels.is_empty() => {
            let app = super::open(dir).await?;
            let taxonomy = app.text_settings()?.taxonomy()?;
            let r = kefu_text::tools::train_shop_categories(labels, &taxonomy, out_dir)?;
            let per: Vec<String> = r.labels.iter().map(|(l, n)| format!("{l} {n}")).collect();
            println!(
                "categories: {} labelled text(s) ({})\nwrote {}\nuse it: [text] category_model = \"{}\" in kefu.toml, then `kefu text relabel`",
                r.texts,
                per.join(", "),
                r.path.display(),
                r.path.display()
            );
            Ok(())
        }
        _ => run(args),
    }
}

/// Runs `kefu text …`, writing to stdout.
pub fn run(args: TextArgs) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    run_to(args, &mut out)?;
    out.flush()?;
    Ok(())
}

fn run_to(args: TextArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    match args.command {
        TextCommand::Classify(a) => {
            let analyzer = a.analyzer(a.top)?;
            for chunk in read_lines(a.input.as_deref())?.chunks(8192) {
                for r in tools::classify(&analyzer, chunk, a.chat) {
                    if a.json {
                        json_line(out, &r)?;
                    } else {
                        let urgent = if r.urgent {
                            format!(" URGENT[{}]", r.reasons.join(","))
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
                            r.text
                        )?;
                    }
                }
            }
        }
        TextCommand::Sentiment(a) => {
            let analyzer = a.analyzer(0)?;
            let lines = read_lines(a.input.as_deref())?;
            for s in tools::sentiment(&analyzer, &lines, a.chat) {
                if a.json {
                    json_line(out, &s)?;
                } else {
                    writeln!(out, "{:.2}\t{}\t{}", s.score, s.label.as_str(), s.text)?;
                }
            }
        }
        TextCommand::Keywords(a) => {
            let analyzer = a.analyzer(a.top)?;
            let lines = read_lines(a.input.as_deref())?;
            for k in tools::keywords(analyzer.segmenter(), &lines, a.top, a.method.into()) {
                if a.json {
                    json_line(out, &k)?;
                } else {
                    writeln!(out, "{}", k.keywords.join(" "))?;
                }
            }
        }
        TextCommand::Mask(a) => {
            let lines = read_lines(a.input.as_deref())?;
            for m in tools::mask(&lines) {
                if a.json {
                    json_line(out, &m)?;
                } else {
                    writeln!(out, "{}", m.text)?;
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
            for t in tools::trends(&cur, &prev, min_count, top) {
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
            let data_dir = if data_dir.exists() {
                Some(data_dir)
            } else {
                eprintln!(
                    "data directory {} not found: only the PII set is evaluated",
                    data_dir.display()
                );
                None
            };
            let intents = match &data_dir {
                Some(d) => Some(tools::evaluate_intents(d)?),
                None => None,
            };
            let report = tools::evaluate(&EvalOptions {
                data_dir,
                folds,
                sentiment_model: model,
            })?;
            if json {
                let mut v = serde_json::to_value(&report)?;
                v["intents"] = serde_json::to_value(&intents)?;
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                write!(out, "{}", eval_text(&report, show_errors))?;
                if let Some(i) = &intents {
                    write!(out, "{}", intents_text(i))?;
                }
            }
        }
        TextCommand::Relabel { .. } => {
            anyhow::bail!("kefu text relabel needs the data directory (run_in)")
        }
        TextCommand::Train {
            data_dir,
            reviews,
            out_dir,
            sentiment_only,
            chat_only,
            model,
            labels: _,
        } => {
            let mut review = model;
            if !chat_only {
                let s = tools::retrain_sentiment(&data_dir, &reviews, &out_dir)?;
                eprintln!(
                    "sentiment: {} train / {} held-out texts ({} duplicates merged, {} conflicting dropped)",
                    s.train, s.held_out, s.duplicates, s.conflicting
                );
                for (k, v) in &s.meta {
                    eprintln!("  {k}: {v}");
                }
                writeln!(out, "wrote {}", s.path.display())?;
                review = Some(s.path);
            }
            let c = tools::retrain_chat_sentiment(&data_dir, review.as_deref(), &out_dir)?;
            eprint!("{}", chat_text(&c.eval));
            writeln!(out, "wrote {}", c.path.display())?;
            if !sentiment_only && !chat_only {
                let p = tools::retrain_categories(&data_dir, &out_dir)?;
                writeln!(out, "wrote {}", p.display())?;
            }
        }
    }
    Ok(())
}

/// `kefu text eval`'s tables; `show_errors` lists the misclassified items.
fn eval_text(r: &EvalReport, show_errors: bool) -> String {
    let mut s = String::new();
    if let Some(se) = &r.sentiment {
        let _ = writeln!(
            s,
            "Sentiment — held-out accuracy (grouped dedupe split, 1 in 10; {} train / {} held out; {} duplicates merged, {} conflicting groups dropped)",
            se.train, se.held_out, se.duplicates, se.conflicting
        );
        let _ = writeln!(s, "  {:<22} {:>7} {:>9}", "source", "texts", "accuracy");
        for (k, n, a) in &se.by_source {
            let _ = writeln!(s, "  {k:<22} {n:>7} {a:>9.4}");
        }
        let _ = writeln!(s, "  {:<22} {:>7} {:>9.4}", "all", se.held_out, se.overall);
        let _ = writeln!(s, "  online_shopping by product category:");
        for (k, n, a) in &se.by_category {
            let _ = writeln!(s, "    {k:<20} {n:>7} {a:>9.4}");
        }
        let _ = writeln!(s);
    }
    if let Some(ce) = &r.chat {
        s.push_str(&chat_text(ce));
        let _ = writeln!(s);
    }
    if let Some(ce) = &r.categories {
        let _ = writeln!(
            s,
            "Complaint categories — {}-fold cross-validation on {} labelled reviews",
            ce.folds, ce.items
        );
        let _ = writeln!(
            s,
            "  {:<16} {:>7} {:>9} {:>7} {:>7} {:>11}",
            "label", "support", "precision", "recall", "F1", "rules-only F1"
        );
        for (l, ro) in ce.labels.iter().zip(&ce.rules_only) {
            let _ = writeln!(
                s,
                "  {:<16} {:>7} {:>9.3} {:>7.3} {:>7.3} {:>11.3}",
                l.label, l.support, l.precision, l.recall, l.f1, ro.f1
            );
        }
        let _ = writeln!(
            s,
            "  macro-F1 {:.3}   micro-F1 {:.3}   (rules alone: macro-F1 {:.3})",
            ce.macro_f1, ce.micro_f1, ce.rules_only_macro_f1
        );
        if show_errors {
            for e in &ce.errors {
                let (id, g, p, h) = (&e.id, &e.gold, &e.predicted, &e.rules);
                let t: String = e.text.chars().take(70).collect();
                let _ = writeln!(s, "  {id}\tgold {g:?}\tpred {p:?}\trules {h:?}\t{t}");
            }
        }
        let _ = writeln!(s);
    }
    if !r.categories_heldout.is_empty() {
        s.push_str(&kefu_text::eval::heldout_section(
            &r.categories_heldout,
            show_errors,
        ));
        let _ = writeln!(s);
    }
    if let Some(p) = &r.categories_pooled {
        s.push_str(&kefu_text::category_tuning::pooled_text(p, show_errors));
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "PII — generated set of {} messages: precision {:.4}, recall {:.4}",
        r.pii_cases, r.pii_precision, r.pii_recall
    );
    let _ = writeln!(s, "  {:<10} {:>5} {:>5} {:>5}", "kind", "tp", "fp", "fn");
    if show_errors {
        for e in &r.pii_errors {
            let _ = writeln!(s, "  error: {e}");
        }
    }
    for (k, tp, fp, fn_) in &r.pii_per_kind {
        let _ = writeln!(s, "  {k:<10} {tp:>5} {fp:>5} {fn_:>5}");
    }
    if let Some((tp, fp, fn_)) = r.urgency {
        let _ = writeln!(s);
        let _ = writeln!(s, "Urgency on the labelled set: tp {tp}, fp {fp}, fn {fn_}");
    }
    s
}

/// The chat sentiment table of `kefu text eval` and `kefu text train`.
fn chat_text(e: &kefu_text::chat_sentiment::ChatEval) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Chat sentiment — {} labelled customer turns, {}-fold stratified cross-validation × {} repeats",
        e.turns, e.folds, e.repeats
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>8} {:>8} {:>7} {:>7} {:>7} {:>11}",
        "model", "accuracy", "macro-F1", "F1 neg", "F1 neu", "F1 pos", "neu → neg"
    );
    let row = |s: &mut String, name: &str, a: f64, m: f64, f: [f64; 3], nn: f64| {
        let _ = writeln!(
            s,
            "  {name:<22} {a:>8.3} {m:>8.3} {:>7.3} {:>7.3} {:>7.3} {:>10.1}%",
            f[0],
            f[1],
            f[2],
            nn * 100.0
        );
    };
    row(
        &mut s,
        "chat (3-class)",
        e.accuracy,
        e.macro_f1,
        e.f1,
        e.neutral_as_negative,
    );
    let b = &e.review_baseline;
    row(
        &mut s,
        "review model, 0.4/0.6",
        b.accuracy,
        b.macro_f1,
        b.f1,
        b.neutral_as_negative,
    );
    let _ = writeln!(
        s,
        "  confusion over the repeats (rows gold neg/neu/pos, columns predicted):"
    );
    for (name, r) in ["neg", "neu", "pos"].iter().zip(&e.confusion) {
        let _ = writeln!(s, "    {name} {:>6} {:>6} {:>6}", r[0], r[1], r[2]);
    }
    s
}

/// The intent table of `kefu text eval`.
fn intents_text(e: &kefu_text::intents::IntentEval) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nIntents — {} hand-labelled customer turns (chat sentiment cross-validated): accuracy {:.3}, macro-F1 {:.3}",
        e.turns, e.accuracy, e.macro_f1
    );
    let _ = writeln!(
        s,
        "  {:<22} {:>7} {:>9} {:>7} {:>7}",
        "intent", "support", "precision", "recall", "F1"
    );
    for (name, n, p, r, f) in &e.per_intent {
        let _ = writeln!(s, "  {name:<22} {n:>7} {p:>9.3} {r:>7.3} {f:>7.3}");
    }
    s
}
