//! The fact tables in the store, kept in step with the source tables.
//!
//! Facts are derived, so the rule is simple: after every ingest the fact tables equal
//! what [`build_all`](crate::build_all) gives over the whole store. An ingest names what it added
//! ([`Touched`]); [`refresh`] reloads every group (shop × customer) those rows touch,
//! rebuilds the group's facts and replaces the group's rows by `group_key` — one Delta
//! commit per fact table (a MERGE: the matched groups' rows deleted, the new rows
//! inserted, rewritten copy-on-write per month partition).
//!
//! Each fact commit records the source table versions it reflects (`kefu.sources`).
//! If a process dies between the source commits and the fact commits, the next ingest
//! (or `kefu store rebuild-facts`) sees the facts are behind ([`is_current`]) and
//! rebuilds them all.
//!
//! One step per file: [`refresh`] (touched groups), [`rebuild`] (everything, in
//! chunks of whole groups: `chunks`), `replace` (commits replacing groups' rows by
//! month partition), `load` (stored rows back into records, [`build_from_store`]),
//! `error`.

mod chunks;
mod error;
mod load;
mod rebuild;
mod refresh;
mod replace;

pub use error::{Result, StoredError};
pub use load::build_from_store;
pub use rebuild::rebuild;
pub use refresh::refresh;

use crate::fact_batches::{
    CONVERSATIONS_TABLE, FactTable, INQUIRIES_TABLE, ROUNDS_TABLE, SURVEYS_TABLE,
};
use crate::facts::*;
use kefu_model::schema::PARTITION_COLUMN;
use kefu_model::{MessageRecord, OrderRecord, SurveyRecord, Table};
use kefu_store::{Store, TableDef};
use std::collections::HashSet;

/// The four fact tables, partitioned like the sources by shop-local month (of the
/// conversation start, so a recomputed row never changes partition).
pub fn fact_defs() -> Vec<TableDef> {
    // Ids, instants and measured seconds: nearly every row a new value.
    vec![
        TableDef::new(
            CONVERSATIONS_TABLE,
            ConversationFact::schema(),
            &[PARTITION_COLUMN],
        )
        .with_distinct(&[
            "row_key",
            "group_key",
            "conversation_id",
            "customer",
            "customer_id",
            "conv_start_ts",
            "start_ts",
            "end_ts",
            "human_clock_ts",
            "first_reply_ts",
            "frt_secs",
            "frt_business_secs",
            "resolved_at",
            "resolution_secs",
            "resolution_business_secs",
            "full_resolution_secs",
            "cycle_resolved_at",
            "cycle_resolution_secs",
        ]),
        TableDef::new(ROUNDS_TABLE, RoundFact::schema(), &[PARTITION_COLUMN]).with_distinct(&[
            "row_key",
            "group_key",
            "conversation_id",
            "customer",
            "conv_start_ts",
            "start_ts",
            "last_customer_ts",
            "reply_ts",
            "response_secs",
            "response_secs_first",
            "response_secs_last",
            "business_secs_first",
            "business_secs_last",
        ]),
        TableDef::new(INQUIRIES_TABLE, InquiryFact::schema(), &[PARTITION_COLUMN]).with_distinct(
            &[
                "row_key",
                "group_key",
                "customer",
                "customer_id",
                "first_ts",
                "converted_at",
                "order_ids",
                "order_amount",
            ],
        ),
        TableDef::new(SURVEYS_TABLE, SurveyFact::schema(), &[PARTITION_COLUMN]).with_distinct(&[
            "row_key",
            "group_key",
            "survey_id",
            "conversation_id",
            "customer",
            "ts",
        ]),
    ]
}

/// Opens the store with its fact tables registered too.
pub async fn open(root: &std::path::Path) -> Result<Store> {
    Ok(Store::open(root).await?.with_tables(fact_defs()).await?)
}

/// What an ingest added, as far as facts care: conversations (shop, conversation id)
/// and customers (shop, customer id).
#[derive(Debug, Clone, Default)]
pub struct Touched {
    pub conversations: HashSet<(String, String)>,
    pub customers: HashSet<(String, String)>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        self.conversations.is_empty() && self.customers.is_empty()
    }
    pub fn message(&mut self, m: &MessageRecord) {
        self.conversations
            .insert((m.shop_id.clone(), m.conversation_id.clone()));
        if let Some(c) = &m.customer_id {
            self.customers.insert((m.shop_id.clone(), c.clone()));
        }
    }
    pub fn order(&mut self, o: &OrderRecord) {
        if let Some(c) = &o.customer_id {
            self.customers.insert((o.shop_id.clone(), c.clone()));
        }
    }
    pub fn survey(&mut self, s: &SurveyRecord) {
        if let Some(c) = &s.conversation_id {
            self.conversations.insert((s.shop_id.clone(), c.clone()));
        }
        if let Some(c) = &s.customer_id {
            self.customers.insert((s.shop_id.clone(), c.clone()));
        }
    }
}

/// How a refresh went.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Refreshed {
    /// `true` when every fact was rebuilt (first build, or facts were behind).
    pub full: bool,
    pub groups: u64,
    pub conversations: u64,
    pub rounds: u64,
    /// Chunks a full rebuild was split into (0 for a refresh of touched groups).
    pub chunks: u64,
    pub secs: f64,
}

const SOURCES_KEY: &str = "kefu.sources";

/// The source versions the facts must reflect, and the fact columns they were
/// written with: a build that adds a fact column (the store adds it, empty, to the
/// stored table) finds the old facts behind and rebuilds them whole.
async fn source_versions(store: &Store) -> Result<serde_json::Value> {
    let mut m = serde_json::Map::new();
    for t in [Table::Messages, Table::Orders, Table::Surveys] {
        m.insert(t.name().into(), store.data_version(t.name()).await?.into());
    }
    m.insert("fact_columns".into(), fact_columns().into());
    Ok(serde_json::Value::Object(m))
}

/// The fact tables' column names, `table:col,col;…`.
fn fact_columns() -> String {
    fact_defs()
        .iter()
        .map(|d| {
            let cols: Vec<&str> = d
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            format!("{}:{}", d.name, cols.join(","))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Whether every fact table reflects the current source tables.
pub async fn is_current(store: &Store) -> Result<bool> {
    let want = source_versions(store).await?;
    for d in fact_defs() {
        let meta = store.last_commit_metadata(&d.name).await?;
        if meta.get(SOURCES_KEY) != Some(&want) {
            return Ok(false);
        }
    }
    Ok(true)
}
