//! The canonical records of kefu and their Arrow schemas.
//!
//! Every reader in `kefu-ingest` produces these records and every table in
//! `kefu-store` stores exactly these schemas, so a column is defined once, here.
//! Instants are UTC (`DateTime<Utc>`, stored as microseconds because Delta Lake's
//! `timestamp` type is microseconds); shop-local dates are derived with the shop's
//! timezone at ingest and stored beside them for partitioning and grouping.

pub mod config;
pub mod record_batches;
pub mod records;
pub mod schema;

pub use config::{Config, ShopConfig};
pub use record_batches::{BatchError, ToBatch};
pub use records::{
    MessageKind, MessageRecord, OrderRecord, QuarantineRecord, ReviewRecord, Sender, SurveyRecord,
    Table,
};
