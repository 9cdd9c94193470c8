//! Stand-alone `kefu text` for development and benchmarks:
//! `cargo run -p kefu-text --release --example kefu_text -- eval`.

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    text: kefu_text::cli::TextArgs,
}

fn main() -> anyhow::Result<()> {
    kefu_text::cli::run(Cli::parse().text)
}
