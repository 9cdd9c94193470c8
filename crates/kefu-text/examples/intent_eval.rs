//! Prints the intent evaluation (`intent_eval [DATA_DIR]`), misses included.
fn main() -> anyhow::Result<()> {
    let d = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data".into());
    let e = kefu_text::tools::evaluate_intents(std::path::Path::new(&d))?;
    println!("{}", serde_json::to_string_pretty(&e)?);
    Ok(())
}
