//! Integration tests of kefu-forecast (one binary, see ENGINEERING.md).

mod cli;
mod erlang;
mod forecast;
mod plan;
mod shifts;
mod sim;

use std::path::PathBuf;

/// `../shared/data` next to the repository.
pub fn shared_data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}
