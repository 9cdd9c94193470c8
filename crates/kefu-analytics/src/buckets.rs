//! The duration buckets of METRICS.md (≤30 s, ≤1 m … ≤1 h, > 1 h, unanswered) as typed
//! bounds: distributions count into them, drill-downs select by them, and the API
//! prints them, all from this one list (never parsed back from a label).

use crate::fact_builder::WITHIN_T;
use serde::Serialize;

/// One bucket: durations in `(lo_secs, hi_secs]`, or the unanswered ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// Position in [`buckets`] (what the distribution queries count by).
    pub index: usize,
    pub label: String,
    /// Exclusive lower bound; `None` below the first bound and for unanswered.
    pub lo_secs: Option<f64>,
    /// Inclusive upper bound; `None` for the open last bucket and for unanswered.
    pub hi_secs: Option<f64>,
    pub unanswered: bool,
}

/// Every bucket, in order: the within-T bounds, then > 1 h, then unanswered.
pub fn buckets() -> Vec<Bucket> {
    let mut out: Vec<Bucket> = WITHIN_T
        .iter()
        .enumerate()
        .map(|(i, (label, hi))| Bucket {
            index: i,
            label: format!("≤{label}"),
            lo_secs: (i > 0).then(|| WITHIN_T[i - 1].1),
            hi_secs: Some(*hi),
            unanswered: false,
        })
        .collect();
    let last = WITHIN_T[WITHIN_T.len() - 1];
    out.push(Bucket {
        index: WITHIN_T.len(),
        label: format!(">{}", last.0),
        lo_secs: Some(last.1),
        hi_secs: None,
        unanswered: false,
    });
    out.push(Bucket {
        index: WITHIN_T.len() + 1,
        label: "unanswered".into(),
        lo_secs: None,
        hi_secs: None,
        unanswered: true,
    });
    out
}

impl Bucket {
    /// The bucket with this label, or the list of labels for an error message.
    pub fn by_label(label: &str) -> Result<Bucket, String> {
        buckets()
            .into_iter()
            .find(|b| b.label == label)
            .ok_or_else(|| {
                let all: Vec<String> = buckets().into_iter().map(|b| b.label).collect();
                format!("'{label}' is not one of {}", all.join(", "))
            })
    }

    /// The SQL condition selecting answered durations of `col` in this bucket
    /// (meaningless for the unanswered bucket, which callers select by kind).
    pub fn range_sql(&self, col: &str) -> String {
        let mut c = format!("{col} IS NOT NULL");
        if let Some(lo) = self.lo_secs {
            c.push_str(&format!(" AND {col} > {lo}"));
        }
        if let Some(hi) = self.hi_secs {
            c.push_str(&format!(" AND {col} <= {hi}"));
        }
        c
    }

    /// The CASE expression numbering a duration column by bucket; `unanswered` is the
    /// condition of the unanswered bucket.
    pub fn case_sql(col: &str, unanswered: &str) -> String {
        let all = buckets();
        let mut cases = format!("CASE WHEN {unanswered} THEN {}", all.len() - 1);
        for b in all.iter().filter(|b| b.hi_secs.is_some()) {
            cases.push_str(&format!(
                " WHEN {col} <= {} THEN {}",
                b.hi_secs.unwrap_or_default(),
                b.index
            ));
        }
        cases.push_str(&format!(" ELSE {} END", all.len() - 2));
        cases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounds by hand: ≤30s is (−, 30], ≤1m is (30, 60], >1h is (3600, −).
    #[test]
    fn bounds_by_hand() {
        let b = buckets();
        assert_eq!(b.len(), 9);
        assert_eq!(
            (b[0].label.as_str(), b[0].lo_secs, b[0].hi_secs),
            ("≤30s", None, Some(30.0))
        );
        assert_eq!((b[1].lo_secs, b[1].hi_secs), (Some(30.0), Some(60.0)));
        assert_eq!(
            (b[7].label.as_str(), b[7].lo_secs, b[7].hi_secs),
            (">1h", Some(3600.0), None)
        );
        assert!(b[8].unanswered);
        assert_eq!(Bucket::by_label("≤1m").unwrap().index, 1);
        assert!(Bucket::by_label("2m").unwrap_err().contains("≤5m"));
        assert_eq!(b[1].range_sql("x"), "x IS NOT NULL AND x > 30 AND x <= 60");
    }
}
