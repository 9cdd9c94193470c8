//! Integration tests of kefu-forecast (one binary, see ENGINEERING.md).

mod anomaly_method;
mod erlang;
mod forecast;
mod plan;
mod shifts;
mod sim;

use std::path::PathBuf;

/// `../shared/data` next to the repository.
pub fn shared_data(rel: &str) -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("../../../shared/data")
        .join(rel)
}
