//! The targets on the shared data set (about 8 s in a debug build).
//! Skipped, with a message, when `../shared/data` (or `$KEFU_DATA_DIR`) is absent.

use std::path::PathBuf;

fn data_dir() -> Option<PathBuf> {
    let d = std::env::var_os("KEFU_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_MANIFEST_DIR")
                .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
                .join("../../../shared/data")
        });
    d.join("complaint_categories/labeled_dev.jsonl")
        .exists()
        .then_some(d)
}

#[test]
fn targets_on_shared_data() {
    let Some(d) = data_dir() else {
        eprintln!("shared data not found; skipped");
        return;
    };
    let m = kefu_text::SentimentModel::embedded().unwrap();
    let r = kefu_text::eval::run_all(&m, Some(&d), 5).unwrap();
    let se = r.sentiment.unwrap();
    let shop = se
        .by_source
        .iter()
        .find(|s| s.0 == "online_shopping")
        .unwrap();
    assert!(shop.2 >= 0.90, "sentiment {}", shop.2);
    assert!(r.pii_recall >= 0.98 && r.pii_precision >= 0.95);
    assert_eq!(
        r.urgency,
        Some((1, 0, 0)),
        "urgent: the one labelled case, no false alarm"
    );
    let ce = r.categories.unwrap();
    assert!(ce.macro_f1 >= 0.60, "macro-F1 {}", ce.macro_f1);
    for l in &ce.labels {
        if l.label == "quality" || l.label == "logistics" {
            assert!(l.f1 >= 0.80, "{} F1 {}", l.label, l.f1);
        }
    }
}

#[test]
fn labelled_file_parses_when_present() {
    let Some(d) = data_dir() else { return };
    let items = kefu_text::data::load_labeled_complaints(&d).unwrap();
    assert_eq!(items.len(), 320);
    let names = kefu_text::Taxonomy::default_taxonomy();
    let names = names.names();
    assert!(
        items
            .iter()
            .all(|i| i.labels.iter().all(|l| names.contains(&l.as_str())))
    );
}
