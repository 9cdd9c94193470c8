//! The data directory's own text reading: the `[text]` table of `kefu.toml`
//! (complaint categories — a file or inline `[[text.category]]` tables — and
//! replacement sentiment models), the analyzer built from it for ingest, and
//! [`App::relabel`], which reads every stored text again after a change.
//!
//! ```toml
//! [text]
//! categories = "taxonomy.toml"          # relative to the data directory
//! category_model = "models/categories.kfm"  # `kefu text train --labels …`
//! sentiment_model = "models/sentiment.kfm"
//! chat_model = "models/chat_sentiment.kfm"
//!
//! [[text.category]]
//! name = "gift_wrap"
//! zh = "礼品包装"
//! seeds = ["礼盒", "包装纸", "贺卡"]
//! ```

use crate::{App, AppError, AppResult};
use futures::StreamExt;
use kefu_model::record_batches::ToBatch;
use kefu_model::schema::PARTITION_COLUMN;
use kefu_model::{Config, MessageRecord, ReviewRecord, SurveyRecord, Table};
use kefu_text::{Analyzer, AnalyzerOptions, CategoryClassifier, Taxonomy};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What `[text]` says, paths resolved against the data directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextSettings {
    /// A taxonomy file (`[[category]]` tables) merged into the default taxonomy.
    pub categories: Option<PathBuf>,
    /// `[[text.category]]` tables, as a taxonomy file's text.
    pub inline_categories: Option<String>,
    /// A category model trained on the shop's own labelled texts (`kefu text
    /// train --labels`); its labels may include the shop's own categories.
    pub category_model: Option<PathBuf>,
    pub sentiment_model: Option<PathBuf>,
    pub chat_model: Option<PathBuf>,
    /// An intents file (`[[intent]]` tables) merged into the default intents.
    pub intents: Option<PathBuf>,
    /// `[[text.intent]]` tables, as an intents file's text.
    pub inline_intents: Option<String>,
}

const KEYS: [&str; 7] = [
    "categories",
    "category",
    "category_model",
    "sentiment_model",
    "chat_model",
    "intents",
    "intent",
];

impl TextSettings {
    /// Reads the `[text]` table of `cfg`; unknown keys are an error naming the known ones.
    pub fn of(dir: &Path, cfg: &Config) -> AppResult<TextSettings> {
        let t = cfg.text();
        if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(AppError::bad(
                "text",
                format!("unknown key [text].{k} (one of {})", KEYS.join(", ")),
            ));
        }
        let path = |key: &str| -> AppResult<Option<PathBuf>> {
            match t.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) => {
                    let p = PathBuf::from(s);
                    Ok(Some(if p.is_absolute() { p } else { dir.join(p) }))
                }
                Some(_) => Err(AppError::bad(
                    "text",
                    format!("[text].{key} must be a file path"),
                )),
            }
        };
        let inline = |key: &str| -> AppResult<Option<String>> {
            match t.get(key) {
                None => Ok(None),
                Some(v @ toml::Value::Array(_)) => {
                    let mut root = toml::Table::new();
                    root.insert(key.into(), v.clone());
                    Ok(Some(toml::to_string(&root).map_err(anyhow::Error::from)?))
                }
                Some(_) => Err(AppError::bad(
                    "text",
                    format!("[[text.{key}]] must be an array of tables"),
                )),
            }
        };
        let inline_categories = inline("category")?;
        let inline_intents = inline("intent")?;
        Ok(TextSettings {
            categories: path("categories")?,
            inline_categories,
            category_model: path("category_model")?,
            sentiment_model: path("sentiment_model")?,
            chat_model: path("chat_model")?,
            intents: path("intents")?,
            inline_intents,
        })
    }

    /// A fingerprint of everything that changes how texts are read (file contents
    /// included), recorded with every write of text columns: a change means the
    /// stored labels are from another taxonomy (`kefu text relabel`).
    pub fn fingerprint(&self) -> AppResult<String> {
        let mut h: u64 = 0xcbf29ce484222325;
        let mut feed = |b: &[u8]| {
            for x in b {
                h = (h ^ *x as u64).wrapping_mul(0x100000001b3);
            }
            h = (h ^ 0xff).wrapping_mul(0x100000001b3);
        };
        feed(env!("CARGO_PKG_VERSION").as_bytes());
        for p in [
            &self.categories,
            &self.category_model,
            &self.sentiment_model,
            &self.chat_model,
            &self.intents,
        ] {
            match p {
                Some(p) => feed(&read(p)?),
                None => feed(b"-"),
            }
        }
        feed(self.inline_categories.as_deref().unwrap_or("-").as_bytes());
        feed(self.inline_intents.as_deref().unwrap_or("-").as_bytes());
        Ok(format!("{h:016x}"))
    }

    /// The default taxonomy merged with the shop's file and inline categories.
    pub fn taxonomy(&self) -> AppResult<Taxonomy> {
        let mut taxonomy = Taxonomy::default_taxonomy();
        if let Some(p) = &self.categories {
            let text = String::from_utf8(read(p)?)
                .map_err(|_| AppError::bad("text", format!("{}: not UTF-8", p.display())))?;
            taxonomy.merge(Taxonomy::from_toml(&text).map_err(bad_text(p))?);
        }
        if let Some(t) = &self.inline_categories {
            taxonomy.merge(Taxonomy::from_toml(t).map_err(|e| {
                AppError::bad("text", format!("[[text.category]] in kefu.toml: {e}"))
            })?);
        }
        Ok(taxonomy)
    }

    /// The analyzer for ingest and relabelling (no keywords: they are computed per
    /// period in reports).
    pub fn analyzer(&self) -> AppResult<Analyzer> {
        let sentiment = match &self.sentiment_model {
            Some(p) => kefu_text::SentimentModel::from_bytes(&read(p)?).map_err(bad_text(p))?,
            None => kefu_text::SentimentModel::embedded().map_err(anyhow::Error::from)?,
        };
        let taxonomy = self.taxonomy()?;
        let model = match &self.category_model {
            Some(p) => {
                let m =
                    kefu_text::linear::LinearModel::from_bytes(&read(p)?).map_err(bad_text(p))?;
                // A model of other labels would silently leave the taxonomy to its rules.
                let names = taxonomy.names();
                if let Some(l) = m.labels.iter().find(|l| !names.contains(&l.as_str())) {
                    return Err(AppError::bad(
                        "text",
                        format!(
                            "{}: the model knows the label '{l}', which the taxonomy lacks (add it to [text].categories)",
                            p.display()
                        ),
                    ));
                }
                m
            }
            None => CategoryClassifier::embedded()
                .map_err(anyhow::Error::from)?
                .model()
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("the embedded category model is missing"))?,
        };
        let categories = CategoryClassifier::new(taxonomy, Some(model))
            .map_err(|e| AppError::bad("text", format!("taxonomy: {e}")))?;
        let mut a = Analyzer::with_parts(
            sentiment,
            categories,
            AnalyzerOptions {
                keywords: 0,
                ..Default::default()
            },
        )
        .map_err(anyhow::Error::from)?;
        if let Some(p) = &self.chat_model {
            a.set_chat_model(
                kefu_text::ChatSentimentModel::from_bytes(&read(p)?).map_err(bad_text(p))?,
            );
        }
        if self.intents.is_some() || self.inline_intents.is_some() {
            let mut intents = kefu_text::Intents::embedded().map_err(anyhow::Error::from)?;
            if let Some(p) = &self.intents {
                let text = String::from_utf8(read(p)?)
                    .map_err(|_| AppError::bad("text", format!("{}: not UTF-8", p.display())))?;
                intents.merge_toml(&text).map_err(bad_text(p))?;
            }
            if let Some(t) = &self.inline_intents {
                intents.merge_toml(t).map_err(|e| {
                    AppError::bad("text", format!("[[text.intent]] in kefu.toml: {e}"))
                })?;
            }
            a.set_intents(intents);
        }
        Ok(a)
    }
}

fn read(p: &Path) -> AppResult<Vec<u8>> {
    std::fs::read(p).map_err(|e| AppError::bad("text", format!("reading {}: {e}", p.display())))
}

fn bad_text(p: &Path) -> impl Fn(kefu_text::TextError) -> AppError + '_ {
    move |e| AppError::bad("text", format!("{}: {e}", p.display()))
}

/// Analyzers by settings fingerprint: models load once per process (≈0.3 s each).
pub(crate) fn cached_analyzer(settings: &TextSettings) -> AppResult<(Arc<Analyzer>, String)> {
    static CACHE: Mutex<BTreeMap<String, Arc<Analyzer>>> = Mutex::new(BTreeMap::new());
    let key = settings.fingerprint()?;
    if let Some(a) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok((a, key));
    }
    let a = Arc::new(settings.analyzer()?);
    if let Ok(mut c) = CACHE.lock() {
        c.insert(key.clone(), a.clone());
    }
    Ok((a, key))
}

/// Commit metadata key of the text fingerprint the labels were written with.
pub const TAXONOMY_KEY: &str = "kefu.text";

/// What [`App::relabel`] did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Relabelled {
    pub messages: u64,
    pub customer_messages: u64,
    pub reviews: u64,
    pub surveys: u64,
    /// The fingerprint of the taxonomy and models now in the store.
    pub fingerprint: String,
    pub facts: Option<kefu_analytics::materialize::Refreshed>,
}

impl App {
    /// The text settings of this data directory (`[text]` in kefu.toml).
    pub fn text_settings(&self) -> AppResult<TextSettings> {
        TextSettings::of(self.dir(), &self.config()?)
    }

    /// Reads every stored customer message, review and survey comment again with the
    /// current `[text]` settings (after a taxonomy or model change) and rebuilds the
    /// facts. Each table is rewritten month by month and committed once (readers see
    /// the old labels or the new, never a mix); a crash leaves the store as it was.
    pub async fn relabel(&self) -> AppResult<Relabelled> {
        let lock = self.write_lock("kefu text relabel").await?;
        let (analyzer, fingerprint) = cached_analyzer(&self.text_settings()?)?;
        let mut out = Relabelled {
            fingerprint: fingerprint.clone(),
            ..Relabelled::default()
        };
        let a = analyzer.clone();
        let (n, customer) = self
            .rewrite::<MessageRecord>(Table::Messages, &fingerprint, move |rows| {
                crate::ingest::enrich::enrich_messages(&a, rows);
                Ok(())
            })
            .await?;
        out.messages = n;
        out.customer_messages = customer;
        let a = analyzer.clone();
        out.reviews = self
            .rewrite::<ReviewRecord>(Table::Reviews, &fingerprint, move |rows| {
                crate::ingest::enrich::enrich_reviews(&a, rows);
                Ok(())
            })
            .await?
            .0;
        let a = analyzer.clone();
        out.surveys = self
            .rewrite::<SurveyRecord>(Table::Surveys, &fingerprint, move |rows| {
                crate::ingest::enrich::enrich_surveys(&a, rows);
                Ok(())
            })
            .await?
            .0;
        out.facts = Some(self.rebuild_facts_locked().await?);
        drop(lock);
        self.renew_now().await?;
        Ok(out)
    }

    /// Rewrites every row of `table` through `f`, streamed (memory is a few batches
    /// and the open parquet files), replacing every partition in one commit.
    /// (rows, customer texts).
    async fn rewrite<R: Stored>(
        &self,
        table: Table,
        fingerprint: &str,
        f: impl Fn(&mut [R]) -> AppResult<()> + Send + Sync + Clone + 'static,
    ) -> AppResult<(u64, u64)> {
        let store = self.store();
        let name = table.name();
        let months = store.partition_values(name, PARTITION_COLUMN).await?;
        if months.is_empty() {
            return Ok((0, 0));
        }
        let ctx = store.session().await?;
        let mut app = store.appender(name).await?;
        let mut stream = ctx
            .sql(&format!("SELECT * FROM {name}"))
            .await
            .map_err(anyhow::Error::from)?
            .execute_stream()
            .await
            .map_err(anyhow::Error::from)?;
        let (mut rows, mut customer, mut since_flush) = (0u64, 0u64, 0u64);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(anyhow::Error::from)?;
            let mut recs = R::read(&batch)?;
            let g = f.clone();
            let (recs, n_customer) = tokio::task::spawn_blocking(move || {
                g(&mut recs).map(|_| {
                    let c = recs.iter().filter(|r| r.is_customer_text()).count() as u64;
                    (recs, c)
                })
            })
            .await
            .map_err(|e| anyhow::anyhow!("relabel worker: {e}"))??;
            rows += recs.len() as u64;
            since_flush += recs.len() as u64;
            customer += n_customer;
            app.write(R::to_batch(&recs).map_err(anyhow::Error::from)?)
                .await?;
            if since_flush >= FLUSH_ROWS {
                app.flush().await?;
                since_flush = 0;
            }
        }
        app.replace_partitions(PARTITION_COLUMN, &months, "relabel: every row".into())?;
        let mut meta = serde_json::Map::new();
        meta.insert(TAXONOMY_KEY.into(), fingerprint.into());
        meta.insert("kefu.relabelled".into(), rows.into());
        app.commit(meta).await?;
        Ok((rows, customer))
    }
}

/// Rows between parquet flushes while relabelling (bounds the open writers' memory).
const FLUSH_ROWS: u64 = 500_000;

/// A stored record type [`App::relabel`] can read back and rewrite.
pub(crate) trait Stored: ToBatch + Send + 'static {
    fn read(batch: &arrow::array::RecordBatch) -> AppResult<Vec<Self>>;
    /// A text kefu-text reads (customer message, review, survey comment).
    fn is_customer_text(&self) -> bool;
}

impl Stored for MessageRecord {
    fn read(batch: &arrow::array::RecordBatch) -> AppResult<Vec<Self>> {
        Ok(MessageRecord::from_batch(batch).map_err(anyhow::Error::from)?)
    }
    fn is_customer_text(&self) -> bool {
        self.sender == kefu_model::Sender::Customer && !self.text_raw.is_empty()
    }
}

impl Stored for ReviewRecord {
    fn read(batch: &arrow::array::RecordBatch) -> AppResult<Vec<Self>> {
        Ok(ReviewRecord::from_batch(batch).map_err(anyhow::Error::from)?)
    }
    fn is_customer_text(&self) -> bool {
        true
    }
}

impl Stored for SurveyRecord {
    fn read(batch: &arrow::array::RecordBatch) -> AppResult<Vec<Self>> {
        Ok(SurveyRecord::from_batch(batch).map_err(anyhow::Error::from)?)
    }
    fn is_customer_text(&self) -> bool {
        self.comment
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty())
    }
}

/// One spam item of [`App::spam`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct SpamItem {
    /// `messages`, `reviews` or `surveys`.
    pub table: String,
    pub shop_id: String,
    /// Message, review or survey id.
    pub id: String,
    pub conversation_id: Option<String>,
    pub ts: String,
    /// PII-masked text.
    pub text: String,
    /// `kind:matched` (link, contact, ad, repeated, gibberish).
    pub reason: String,
}

/// Spam counts per table and the latest items (`kefu spam`, `/api/v1/spam`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct SpamList {
    pub messages: u64,
    pub reviews: u64,
    pub surveys: u64,
    /// Whether the shop counts spam in its facts (`include_spam`; default shop).
    pub included: bool,
    /// Latest first, at most the limit per table.
    pub items: Vec<SpamItem>,
}

impl App {
    /// What kefu-text flagged as spam: customer chat messages, reviews, survey
    /// comments — counted, and the latest `limit` of each with the reason; of one
    /// shop when `shop` is given.
    pub async fn spam(&self, limit: usize, shop: Option<&str>) -> AppResult<SpamList> {
        let s = self.session().await?;
        let of_shop = shop.map_or(String::new(), |v| {
            format!(" AND shop_id = {}", crate::sql::lit(v))
        });
        let count = |t: &str, extra: &str| {
            format!("SELECT COUNT(*) AS n FROM {t} WHERE spam{extra}{of_shop}")
        };
        let n =
            |rows: Vec<serde_json::Value>| rows.first().and_then(|r| r["n"].as_u64()).unwrap_or(0);
        let messages = n(crate::encode::batches_to_json(
            &s.batches(&count("messages", " AND sender = 'customer'"))
                .await?,
        )?);
        let reviews = n(crate::encode::batches_to_json(
            &s.batches(&count("reviews", "")).await?,
        )?);
        let surveys = n(crate::encode::batches_to_json(
            &s.batches(&count("surveys", "")).await?,
        )?);
        let mut items = Vec::new();
        let queries = [
            (
                "messages",
                format!(
                    "SELECT shop_id, message_id AS id, conversation_id, CAST(ts AS VARCHAR) AS ts, \
                     COALESCE(text_masked, text) AS text FROM messages \
                     WHERE spam AND sender = 'customer' {of_shop} ORDER BY ts DESC, row_key LIMIT {limit}"
                ),
            ),
            (
                "reviews",
                format!(
                    "SELECT shop_id, review_id AS id, CAST(NULL AS VARCHAR) AS conversation_id, \
                     CAST(ts AS VARCHAR) AS ts, COALESCE(text_masked, text) AS text FROM reviews \
                     WHERE spam {of_shop} ORDER BY ts DESC, row_key LIMIT {limit}"
                ),
            ),
            (
                "surveys",
                format!(
                    "SELECT shop_id, survey_id AS id, conversation_id, CAST(ts AS VARCHAR) AS ts, \
                     COALESCE(comment_masked, comment) AS text FROM surveys \
                     WHERE spam {of_shop} ORDER BY ts DESC, row_key LIMIT {limit}"
                ),
            ),
        ];
        for (table, sql) in queries {
            for r in crate::encode::batches_to_json(&s.batches(&sql).await?)? {
                let text = r["text"].as_str().unwrap_or_default().to_string();
                let norm = kefu_text::normalize(&text).text;
                let why = if table == "messages" {
                    kefu_text::spam::chat_spam(&norm)
                } else {
                    kefu_text::spam::spam(&norm)
                };
                items.push(SpamItem {
                    table: table.to_string(),
                    shop_id: r["shop_id"].as_str().unwrap_or_default().to_string(),
                    id: r["id"].as_str().unwrap_or_default().to_string(),
                    conversation_id: r["conversation_id"].as_str().map(str::to_string),
                    ts: r["ts"].as_str().unwrap_or_default().to_string(),
                    reason: why.map_or("flagged at ingest".to_string(), |w| {
                        format!("{}:{}", w.kind, w.matched)
                    }),
                    text,
                });
            }
        }
        let included = self
            .config()?
            .shop(shop.unwrap_or(""))
            .map_err(anyhow::Error::from)?
            .include_spam;
        Ok(SpamList {
            messages,
            reviews,
            surveys,
            included,
            items,
        })
    }
}
