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
    // Complaint categories, issue #14's targets on texts the recipe never saw:
    // each fold of dev + A + B (679 texts) predicted by rules + a model
    // trained, thresholds included, on the other folds alone (0.793 and
    // logistics 0.900 measured; over ten shuffles of the folds macro-F1
    // 0.778–0.795, logistics 0.855–0.900).
    let pooled = r.categories_pooled.unwrap();
    assert_eq!(pooled.items, 679);
    let f1 = |l: &str| pooled.labels.iter().find(|x| x.label == l).unwrap().f1;
    assert!(
        pooled.macro_f1 >= 0.77,
        "pooled macro-F1 {}",
        pooled.macro_f1
    );
    assert!(
        f1("logistics") >= 0.80,
        "pooled logistics F1 {}",
        f1("logistics")
    );
    assert!(f1("quality") >= 0.85, "pooled quality F1 {}", f1("quality"));
    // The 320 dev reviews alone, default thresholds.
    let ce = r.categories.unwrap();
    assert!(ce.macro_f1 >= 0.72, "macro-F1 {}", ce.macro_f1);
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

/// Complaint categories on the hand-labelled sets A and B
/// (`tests/fixtures/README.md`) and, the honest figure, the nested
/// cross-validation over dev + A + B (issue #14 part 6).
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
    // The embedded model was trained on A and B (in-sample: 0.973 and 0.991);
    // this only checks that the shipped model is the one trained on them.
    assert!(a.macro_f1 >= 0.90, "A macro-F1 {}", a.macro_f1);
    assert!(b.macro_f1 >= 0.90, "B macro-F1 {}", b.macro_f1);
    // The honest figures: `targets_on_shared_data` (report.categories_pooled).

    // Set C, never tuned on, measured once (0.782 / logistics 0.720): a floor
    // against regressions only. Do not change rules to move this number.
    let fixture = kefu_text::eval::heldout_c_fixture()
        .unwrap()
        .expect("tests/fixtures/categories_heldout_c.jsonl is committed");
    let c = load_heldout(&d, &fixture).unwrap();
    assert_eq!(c.len(), 199);
    let c = eval_heldout(&c, &clf, Some(&m), None).unwrap();
    assert!(c.macro_f1 >= 0.75, "set C macro-F1 {}", c.macro_f1);

    // Set D, labelled blind, measured once (macro 0.600, logistics 0.709 on 40):
    // the same kind of floor, never a target to tune to.
    let fixture = kefu_text::eval::heldout_d_fixture()
        .unwrap()
        .expect("tests/fixtures/categories_heldout_d.jsonl is committed");
    let dset = load_heldout(&d, &fixture).unwrap();
    assert_eq!(dset.len(), 307);
    let dset = eval_heldout(&dset, &clf, Some(&m), None).unwrap();
    assert!(dset.macro_f1 >= 0.57, "set D macro-F1 {}", dset.macro_f1);
    let logistics = dset
        .labels
        .iter()
        .find(|l| l.label == "logistics")
        .expect("set D has logistics texts");
    assert!(logistics.f1 >= 0.68, "set D logistics F1 {}", logistics.f1);
}
