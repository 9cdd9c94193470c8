//! One file per verb (or family of verbs): its arguments and how its answer is
//! printed. The work itself is a call into `kefu_app`.

pub mod anomalies;
pub mod compare;
pub mod data;
pub mod demo;
pub mod forecast_args;
pub mod ingest;
pub mod plan;
pub mod report;
pub mod serve;
pub mod text;

use std::path::Path;

/// Opens the data directory; a write that must wait for another writer says so.
pub async fn open(dir: &Path) -> anyhow::Result<kefu_app::App> {
    Ok(kefu_app::App::open(dir).await?.on_lock_wait(|holder| {
        eprintln!("waiting for the store: another writer holds it ({holder}) …")
    }))
}

/// Opens the data directory to answer from: facts left behind the sources by an
/// ingest that stopped half-way are rebuilt first, so no answer is silently old.
pub async fn open_current(dir: &Path) -> anyhow::Result<kefu_app::App> {
    let app = open(dir).await?;
    // An empty store's facts are made empty on first use: nothing to tell.
    if let Some(r) = app.catch_up().await?
        && r.conversations > 0
    {
        eprintln!(
            "the facts were behind the source tables (an ingest stopped before writing them, or this version of kefu adds fact columns): rebuilt {} conversations in {:.1} s",
            r.conversations, r.secs
        );
    }
    Ok(app)
}
