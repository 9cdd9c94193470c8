//! The targets on the shared data set (about 10 s in a debug build).
//! Without `../shared/data` (or `$KEFU_DATA_DIR`) they fail when `CI` is set (a
//! green CI run must have measured them) and are skipped, with a message, on a
//! developer machine without the data.

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

/// The data directory, or `None` to skip; panics when `CI` is set and it is missing.
fn data_or_skip() -> Option<PathBuf> {
    let d = data_dir();
    if d.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the shared data directory is missing (set KEFU_DATA_DIR)"
        );
        eprintln!("shared data not found; skipped");
    }
    d
}

#[test]
fn targets_on_shared_data() {
    let Some(d) = data_or_skip() else {
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
    let chat = r.chat.unwrap();
    assert_eq!(chat.turns, 383);
    // Issue #14's targets, cross-validated (5 × 5-fold).
    assert!(chat.macro_f1 >= 0.70, "chat macro-F1 {}", chat.macro_f1);
    assert!(chat.f1[0] >= 0.70, "chat negative F1 {}", chat.f1[0]);
    assert!(
        chat.neutral_as_negative <= 0.10,
        "neutral called negative {}",
        chat.neutral_as_negative
    );
    // The review model on chat, for contrast: most questions come out negative.
    assert!(chat.review_baseline.neutral_as_negative > 0.3);
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
    let Some(d) = data_or_skip() else { return };
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

/// Complaint categories on the two hand-labelled held-out sets
/// (`tests/fixtures/README.md`): texts the rules were not tuned on.
#[test]
fn categories_on_held_out_sets() {
    let Some(d) = data_or_skip() else { return };
    use kefu_text::eval::{HELDOUT_B_FIXTURE, HELDOUT_FIXTURE, eval_heldout, load_heldout};
    let m = kefu_text::SentimentModel::embedded().unwrap();
    let clf = kefu_text::CategoryClassifier::embedded().unwrap();
    let a = load_heldout(&d, HELDOUT_FIXTURE).unwrap();
    let b = load_heldout(&d, HELDOUT_B_FIXTURE).unwrap();
    assert_eq!((a.len(), b.len()), (239, 120));
    let a = eval_heldout(&a, &clf, Some(&m), None).unwrap();
    let b = eval_heldout(&b, &clf, Some(&m), None).unwrap();
    let f1 = |h: &kefu_text::eval::HeldoutEval, l: &str| {
        h.labels.iter().find(|x| x.label == l).unwrap().f1
    };
    // Issue #14's logistics target (F1 ≥ 0.80) holds on set A (41 logistics
    // texts, reviews and chat); set B has only 9 and stays at 0.70.
    assert!(
        f1(&a, "logistics") >= 0.80,
        "A logistics F1 {}",
        f1(&a, "logistics")
    );
    assert!(
        f1(&b, "logistics") >= 0.65,
        "B logistics F1 {}",
        f1(&b, "logistics")
    );
    // The macro-F1 target (≥ 0.75) is NOT reached (A 0.657, B 0.693,
    // README "Categories"); these floors keep what was measured from slipping.
    assert!(a.macro_f1 >= 0.64, "A macro-F1 {}", a.macro_f1);
    assert!(b.macro_f1 >= 0.67, "B macro-F1 {}", b.macro_f1);
    assert!(f1(&a, "quality") >= 0.80 && f1(&b, "quality") >= 0.80);
}
