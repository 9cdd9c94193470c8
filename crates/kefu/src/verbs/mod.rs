//! One file per verb (or family of verbs): its arguments and how its answer is
//! printed. The work itself is a call into `kefu_app`.

pub mod data;
pub mod demo;
pub mod forecast_args;
pub mod ingest;
pub mod plan;
pub mod report;
pub mod serve;
pub mod text;

use std::path::Path;

/// Opens the data directory.
pub async fn open(dir: &Path) -> anyhow::Result<kefu_app::App> {
    Ok(kefu_app::App::open(dir).await?)
}
