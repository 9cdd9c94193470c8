//! Complaint categories: an editable rule layer (seed words and patterns) whose
//! hits feed a trained multi-label model.
//!
//! Rules carry domain knowledge the 320 labelled reviews cannot teach (rare labels
//! such as `payment_invoice` have three examples); the model learns how much to
//! trust each rule and picks up wording the rules miss. A user category with
//! seed words but no trained weights is assigned on a rule hit alone.

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::TextError;
use crate::features::hash_str;
use crate::linear::{Example, LinearModel, TrainParams, sigmoid};

/// The default taxonomy, editable as TOML.
pub static DEFAULT_TAXONOMY: &str = include_str!("../dict/categories.toml");
/// The embedded category model trained on the labelled set (+ rule features).
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../models/categories.kfm");
/// The label used when nothing else applies.
pub const OTHER: &str = "other";
/// Hash-space size of the category model (small data: few buckets suffice).
pub const CATEGORY_BITS: u32 = 16;
/// P(positive) from which model-only labels are dropped.
pub const POSITIVE_GATE: f32 = 0.8;
/// Starting weight of a rule hit on its own label, see [`train_category_model`].
const RULE_PRIOR: f32 = 3.0;
const BIAS_PRIOR: f32 = -2.0;
/// Probability above which a label whose rule fired is kept (chosen by the
/// cross-validation in `kefu text eval`; 0.5 without a rule hit).
const RULE_THRESHOLD: f32 = 0.2;
/// Labels with fewer training examples than this are decided by their rules
/// alone: a handful of examples cannot teach the model to overrule them.
pub const MIN_SUPPORT: usize = 10;

/// One category of a taxonomy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Category {
    pub name: String,
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub seeds: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// A seed right after a negator (`没有色差`) does not count.
    #[serde(default)]
    pub negatable: bool,
    /// A seed or pattern match does not count in a clause that also holds one
    /// of these words: `快递员态度差` is about the courier (logistics), not `service`.
    #[serde(default)]
    pub unless: Vec<String>,
}

/// A list of categories (the TOML file's `[[category]]` tables) and the words
/// that switch a seed off (see the default TOML's header).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Taxonomy {
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(default)]
    pub praise: Vec<String>,
    #[serde(default)]
    pub complaint: Vec<String>,
    #[serde(default)]
    pub negators: Vec<String>,
}

impl Taxonomy {
    pub fn from_toml(s: &str) -> Result<Taxonomy, TextError> {
        toml::from_str(s).map_err(|e| TextError::Config(e.to_string()))
    }

    /// The built-in default taxonomy.
    pub fn default_taxonomy() -> Taxonomy {
        Self::from_toml(DEFAULT_TAXONOMY).expect("embedded taxonomy parses")
    }

    /// Adds `other`'s categories; a category of the same name gets its seeds and
    /// patterns appended (so a shop can extend `logistics` with its courier names).
    pub fn merge(&mut self, other: Taxonomy) {
        self.praise.extend(other.praise);
        self.complaint.extend(other.complaint);
        self.negators.extend(other.negators);
        for c in other.categories {
            match self.categories.iter_mut().find(|x| x.name == c.name) {
                Some(x) => {
                    x.seeds.extend(c.seeds);
                    x.patterns.extend(c.patterns);
                    x.unless.extend(c.unless);
                    if !c.zh.is_empty() {
                        x.zh = c.zh;
                    }
                }
                None => self.categories.push(c),
            }
        }
    }

    pub fn names(&self) -> Vec<&str> {
        self.categories.iter().map(|c| c.name.as_str()).collect()
    }
}

/// A rule that fired: category index and the matched text.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleHit {
    pub category: usize,
    pub matched: String,
}

/// Compiled seed words and patterns.
#[derive(Debug, Clone)]
pub struct Rules {
    ac: Option<AhoCorasick>,
    /// The normalised seeds, in automaton order.
    seeds: Vec<String>,
    seed_category: Vec<usize>,
    negatable: Vec<bool>,
    /// Per category: normalised words that switch its seeds off in their clause.
    unless: Vec<Vec<String>>,
    regexes: Vec<(usize, Regex)>,
    /// All patterns in one automaton: one pass tells which patterns to run.
    regex_set: regex::RegexSet,
    /// Praise words (kind 0) and complaint words (kind 1), found in one pass.
    tone: Option<AhoCorasick>,
    tone_kind: Vec<u8>,
    negators: Vec<String>,
}

/// Clause boundaries for the praise check.
fn is_clause_break(c: char) -> bool {
    matches!(
        c,
        ',' | '.'
            | '!'
            | '?'
            | ';'
            | '，'
            | '。'
            | '！'
            | '？'
            | '；'
            | '、'
            | ' '
            | '\n'
            | '~'
            | '…'
    )
}

/// Whether the text right before a praise word negates it (`不`, `没`, `没有`,
/// `不够`, `不太`, `不是`, `不怎么` …).
fn negates_praise(before: &str) -> bool {
    [
        "不",
        "没",
        "没有",
        "不够",
        "不太",
        "不是",
        "不是很",
        "不怎么",
        "不大",
        "不算",
    ]
    .iter()
    .any(|n| before.ends_with(n))
}

/// The clause of `text` around byte range `s..e`.
fn clause(text: &str, s: usize, e: usize) -> &str {
    let start = text[..s]
        .char_indices()
        .rev()
        .find(|(_, c)| is_clause_break(*c))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let end = text[e..]
        .char_indices()
        .find(|(_, c)| is_clause_break(*c))
        .map(|(i, _)| e + i)
        .unwrap_or(text.len());
    &text[start..end]
}

impl Rules {
    pub fn compile(tax: &Taxonomy) -> Result<Rules, TextError> {
        let mut seeds = Vec::new();
        let mut seed_category = Vec::new();
        let mut regexes = Vec::new();
        for (i, c) in tax.categories.iter().enumerate() {
            for s in &c.seeds {
                let s = crate::normalize::normalize(s).text;
                if !s.is_empty() {
                    seeds.push(s);
                    seed_category.push(i);
                }
            }
            for p in &c.patterns {
                let re = Regex::new(p)
                    .map_err(|e| TextError::Config(format!("category {}: {e}", c.name)))?;
                regexes.push((i, re));
            }
        }
        let ac = if seeds.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .ascii_case_insensitive(true)
                    .build(&seeds)
                    .map_err(|e| TextError::Config(e.to_string()))?,
            )
        };
        let mut tone_words = Vec::new();
        let mut tone_kind = Vec::new();
        for (k, list) in [(0u8, &tax.praise), (1u8, &tax.complaint)] {
            for w in list.iter().filter(|w| !w.is_empty()) {
                tone_words.push(w.clone());
                tone_kind.push(k);
            }
        }
        let tone = if tone_words.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&tone_words)
                    .map_err(|e| TextError::Config(e.to_string()))?,
            )
        };
        let regex_set = regex::RegexSet::new(regexes.iter().map(|(_, r)| r.as_str()))
            .map_err(|e| TextError::Config(e.to_string()))?;
        Ok(Rules {
            ac,
            seeds,
            regex_set,
            seed_category,
            negatable: tax.categories.iter().map(|c| c.negatable).collect(),
            unless: tax
                .categories
                .iter()
                .map(|c| {
                    c.unless
                        .iter()
                        .map(|w| crate::normalize::normalize(w).text)
                        .filter(|w| !w.is_empty())
                        .collect()
                })
                .collect(),
            regexes,
            tone,
            tone_kind,
            negators: tax.negators.clone(),
        })
    }

    /// A seed match inside praise, right after a negation or in a clause with
    /// one of its category's `unless` words does not count;
    /// `tones` are the praise/complaint words of the text (byte start, end, kind).
    fn switched_off(
        &self,
        text: &str,
        s: usize,
        e: usize,
        category: usize,
        tones: &[(usize, usize, u8)],
    ) -> bool {
        let seed = &text[s..e];
        let before = &text[..s];
        if self.negatable[category]
            && !self.negators.iter().any(|n| seed.starts_with(n.as_str()))
            && self.negators.iter().any(|n| before.ends_with(n.as_str()))
        {
            return true;
        }
        let unless = &self.unless[category];
        if tones.is_empty() && unless.is_empty() {
            return false;
        }
        let cl = clause(text, s, e);
        if unless.iter().any(|w| cl.contains(w.as_str())) {
            return true;
        }
        if tones.is_empty() {
            return false;
        }
        let lo = cl.as_ptr() as usize - text.as_ptr() as usize;
        let hi = lo + cl.len();
        let inside = |k: u8| tones.iter().any(|&(a, b, t)| t == k && a >= lo && b <= hi);
        inside(0) && !inside(1)
    }

    /// Praise (kind 0) and complaint (kind 1) words of `text` as (byte start,
    /// end, kind); a negated praise word (`不满意`, `不够及时`) is a complaint word.
    fn tones(&self, text: &str) -> Vec<(usize, usize, u8)> {
        match &self.tone {
            Some(t) => t
                .find_overlapping_iter(text)
                .map(|m| {
                    let mut kind = self.tone_kind[m.pattern().as_usize()];
                    if kind == 0 && negates_praise(&text[..m.start()]) {
                        kind = 1;
                    }
                    (m.start(), m.end(), kind)
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// Every seed that counts in `text` (not switched off by praise, negation
    /// or an `unless` word), as (category index, normalised seed), each once: the
    /// evidence behind [`Rules::hits`], and how seeds are audited (how many
    /// texts each one fires in).
    pub fn fired_seeds(&self, text: &str) -> Vec<(usize, &str)> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut seen: Vec<usize> = Vec::new();
        let mut tones = None;
        for m in ac.find_overlapping_iter(text) {
            let k = m.pattern().as_usize();
            if seen.contains(&k) {
                continue;
            }
            let tones = tones.get_or_insert_with(|| self.tones(text));
            if !self.switched_off(text, m.start(), m.end(), self.seed_category[k], tones) {
                seen.push(k);
            }
        }
        seen.into_iter()
            .map(|k| (self.seed_category[k], self.seeds[k].as_str()))
            .collect()
    }

    /// Every category whose rules match, with the first match of each.
    pub fn hits(&self, text: &str) -> Vec<RuleHit> {
        let mut out: Vec<RuleHit> = Vec::new();
        let mut push = |category: usize, m: &str| {
            if !out.iter().any(|h| h.category == category) {
                out.push(RuleHit {
                    category,
                    matched: m.to_string(),
                });
            }
        };
        if let Some(ac) = &self.ac {
            let mut seeds = ac.find_overlapping_iter(text).peekable();
            let tones = if seeds.peek().is_some() {
                self.tones(text)
            } else {
                Vec::new()
            };
            for m in seeds {
                let c = self.seed_category[m.pattern().as_usize()];
                if !self.switched_off(text, m.start(), m.end(), c, &tones) {
                    push(c, &text[m.range()]);
                }
            }
        }
        if !self.regexes.is_empty() {
            for k in self.regex_set.matches(text).iter() {
                let (i, re) = &self.regexes[k];
                if let Some(m) = re.find(text) {
                    let unless = &self.unless[*i];
                    if unless.is_empty() || {
                        let cl = clause(text, m.start(), m.end());
                        !unless.iter().any(|w| cl.contains(w.as_str()))
                    } {
                        push(*i, m.as_str());
                    }
                }
            }
        }
        out
    }
}

/// Rule-hit feature id for category `name` (unit-scale input of the model).
pub fn rule_feature(name: &str) -> u32 {
    hash_str(&format!("rule:{name}"))
}

/// One category decision with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    pub label: String,
    /// Model probability; 1.0 for rule-only categories that fired.
    pub score: f32,
    /// The seed word or pattern match that fired, if any.
    pub rule: Option<String>,
}

/// Rules plus (optionally) a trained model over the same taxonomy.
#[derive(Debug, Clone)]
pub struct CategoryClassifier {
    taxonomy: Taxonomy,
    rules: Rules,
    model: Option<LinearModel>,
    /// Taxonomy index → model output index (None: decided by rules alone).
    output_of: Vec<Option<usize>>,
    rule_ids: Vec<u32>,
}

impl CategoryClassifier {
    /// Default taxonomy and embedded model.
    pub fn embedded() -> Result<Self, TextError> {
        let model = LinearModel::from_bytes(DEFAULT_MODEL)?;
        Self::new(Taxonomy::default_taxonomy(), Some(model))
    }

    pub fn new(taxonomy: Taxonomy, model: Option<LinearModel>) -> Result<Self, TextError> {
        let rules = Rules::compile(&taxonomy)?;
        let output_of = taxonomy
            .categories
            .iter()
            .map(|c| {
                let m = model.as_ref()?;
                let rule_only = m
                    .meta
                    .get("rule_only")
                    .is_some_and(|r| r.split(',').any(|l| l == c.name));
                if rule_only {
                    return None;
                }
                m.labels.iter().position(|l| *l == c.name)
            })
            .collect();
        let rule_ids = taxonomy
            .categories
            .iter()
            .map(|c| rule_feature(&c.name))
            .collect();
        Ok(CategoryClassifier {
            taxonomy,
            rules,
            model,
            output_of,
            rule_ids,
        })
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    pub fn model(&self) -> Option<&LinearModel> {
        self.model.as_ref()
    }

    /// The compiled rule layer.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Scores every category of a normalised text; `ngrams` from
    /// [`crate::features::char_ngrams`]. Returns the assigned labels (never empty:
    /// `other` when nothing applies) and the evidence for each.
    pub fn classify(&self, text: &str, ngrams: &[u32]) -> (Vec<String>, Vec<CategoryScore>) {
        self.classify_with_sentiment(text, ngrams, None)
    }

    /// [`CategoryClassifier::classify`] knowing P(positive): the model was trained
    /// on complaints only, so for clearly positive texts (≥ [`POSITIVE_GATE`])
    /// only labels whose (praise-aware) rules fired are kept.
    pub fn classify_with_sentiment(
        &self,
        text: &str,
        ngrams: &[u32],
        sentiment: Option<f32>,
    ) -> (Vec<String>, Vec<CategoryScore>) {
        let positive = sentiment.is_some_and(|p| p >= POSITIVE_GATE);
        let hits = self.rules.hits(text);
        let mut probs = Vec::new();
        if let Some(m) = &self.model {
            let extra: Vec<u32> = hits.iter().map(|h| self.rule_ids[h.category]).collect();
            m.logits_into(ngrams, &extra, &mut probs);
        }
        let mut labels = Vec::new();
        let mut scores = Vec::new();
        for (i, c) in self.taxonomy.categories.iter().enumerate() {
            if c.name == OTHER {
                continue;
            }
            let rule = hits
                .iter()
                .find(|h| h.category == i)
                .map(|h| h.matched.clone());
            let (score, on) = match (self.output_of[i], &self.model) {
                (Some(o), Some(m)) => {
                    // The model decides; a rule hit lowers the bar, so the model
                    // vetoes a rule only when it is fairly sure.
                    let p = sigmoid(probs[o]);
                    let bar = if rule.is_some() {
                        RULE_THRESHOLD
                    } else {
                        m.thresholds[o]
                    };
                    (p, p >= bar)
                }
                _ => (if rule.is_some() { 1.0 } else { 0.0 }, rule.is_some()),
            };
            let on = on && (!positive || rule.is_some());
            if on {
                labels.push(c.name.clone());
            }
            if on || rule.is_some() {
                scores.push(CategoryScore {
                    label: c.name.clone(),
                    score,
                    rule,
                });
            }
        }
        if labels.is_empty() {
            labels.push(OTHER.to_string());
        }
        (labels, scores)
    }
}

/// Primary category of a conversation (METRICS.md): the most frequent
/// non-`other` label over its customer messages, ties to the label seen first;
/// `None` when every message is `other`.
pub fn primary_category<I, L, S>(messages: I) -> Option<String>
where
    I: IntoIterator<Item = L>,
    L: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    // (label, count, first position)
    let mut seen: Vec<(String, usize, usize)> = Vec::new();
    let mut pos = 0;
    for labels in messages {
        for l in labels {
            let l = l.as_ref();
            if l == OTHER {
                continue;
            }
            match seen.iter_mut().find(|x| x.0 == l) {
                Some(x) => x.1 += 1,
                None => seen.push((l.to_string(), 1, pos)),
            }
            pos += 1;
        }
    }
    seen.into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
        .map(|x| x.0)
}

/// Training data for the category model: normalised text n-grams, rule hits and
/// the gold labels.
pub struct CategoryExample<'a> {
    pub ngrams: Vec<u32>,
    pub text: &'a str,
    pub labels: &'a [String],
    pub weight: f32,
}

/// Trains the category model for `taxonomy` (every category except `other`).
pub fn train_category_model(
    taxonomy: &Taxonomy,
    examples: &[CategoryExample<'_>],
    seed: u64,
) -> Result<LinearModel, TextError> {
    let rules = Rules::compile(taxonomy)?;
    let labels: Vec<String> = taxonomy
        .categories
        .iter()
        .filter(|c| c.name != OTHER)
        .map(|c| c.name.clone())
        .collect();
    let n = labels.len();
    if n > LinearModel::MAX_OUTPUTS {
        return Err(TextError::Config(format!(
            "at most {} trained categories",
            LinearModel::MAX_OUTPUTS
        )));
    }
    let mut positives = vec![0f32; n];
    let exs: Vec<Example> = examples
        .iter()
        .map(|e| {
            let extra = rules
                .hits(e.text)
                .iter()
                .map(|h| rule_feature(&taxonomy.categories[h.category].name))
                .collect();
            let targets: Vec<f32> = labels
                .iter()
                .map(|l| if e.labels.contains(l) { 1.0 } else { 0.0 })
                .collect();
            for (p, t) in positives.iter_mut().zip(&targets) {
                *p += t;
            }
            Example {
                features: e.ngrams.clone(),
                extra,
                targets,
                weight: e.weight,
            }
        })
        .collect();
    let total = exs.len() as f32;
    // Rare labels get up-weighted positives (square root of the imbalance).
    let pos_weight = positives
        .iter()
        .map(|&p| ((total - p) / p.max(1.0)).sqrt().clamp(1.0, 6.0))
        .collect();
    // Prior: a rule hit alone puts its label at P ≈ 0.73 (logit −2 + 3 = 1).
    let init = labels
        .iter()
        .enumerate()
        .map(|(k, l)| (rule_feature(l), k, RULE_PRIOR))
        .collect();
    let params = TrainParams {
        epochs: 12,
        learning_rate: 0.3,
        l2: 1e-4,
        seed,
        pos_weight,
        init,
        init_bias: vec![BIAS_PRIOR; n],
    };
    let rule_only: Vec<&str> = labels
        .iter()
        .zip(&positives)
        .filter(|(_, p)| (**p as usize) < MIN_SUPPORT)
        .map(|(l, _)| l.as_str())
        .collect();
    let rule_only = rule_only.join(",");
    let mut m = LinearModel::train(CATEGORY_BITS, labels.clone(), &exs, &params);
    m.meta = BTreeMap::from([
        ("kind".to_string(), "categories".to_string()),
        ("rule_only".to_string(), rule_only),
    ]);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_has_the_ten_labels() {
        let t = Taxonomy::default_taxonomy();
        assert_eq!(
            t.names(),
            vec![
                "quality",
                "logistics",
                "refund_return",
                "after_sales",
                "service",
                "price",
                "payment_invoice",
                "usage_question",
                "packaging",
                "other"
            ]
        );
    }

    #[test]
    fn rules_fire_and_user_categories_merge() {
        let mut t = Taxonomy::default_taxonomy();
        t.merge(
            Taxonomy::from_toml(
                "[[category]]\nname = \"gift_card\"\nseeds = [\"礼品卡\"]\n\n[[category]]\nname = \"logistics\"\nseeds = [\"极兔\"]\n",
            )
            .unwrap(),
        );
        let c = CategoryClassifier::new(t, None).unwrap();
        let (labels, scores) = c.classify("礼品卡用不了", &[]);
        assert!(labels.contains(&"gift_card".to_string()));
        assert!(labels.contains(&"quality".to_string()));
        assert_eq!(
            scores
                .iter()
                .find(|s| s.label == "gift_card")
                .unwrap()
                .rule
                .as_deref(),
            Some("礼品卡")
        );
        let (labels, _) = c.classify("极兔把东西弄丢", &[]);
        assert_eq!(labels, vec!["logistics"]);
        let (labels, _) = c.classify("嗯", &[]);
        assert_eq!(labels, vec!["other"]);
        // Praise and negation switch seeds off.
        let (labels, _) = c.classify("物流很快，售后态度很好，没有色差", &[]);
        assert_eq!(labels, vec!["other"]);
        let (labels, _) = c.classify("物流太慢，售后态度很差", &[]);
        assert!(
            labels.contains(&"logistics".to_string()) && labels.contains(&"service".to_string()),
            "{labels:?}"
        );
    }

    #[test]
    fn unless_words_and_negated_praise() {
        let c = CategoryClassifier::new(Taxonomy::default_taxonomy(), None).unwrap();
        // Courier attitude is logistics, not service.
        let (labels, _) = c.classify("快递员态度差", &[]);
        assert_eq!(labels, vec!["logistics"]);
        // ... but a second clause about the agent still counts.
        let (labels, _) = c.classify("快递员态度差，客服也不回复", &[]);
        assert!(labels.contains(&"service".to_string()), "{labels:?}");
        // A gift's quality is price.
        let (labels, _) = c.classify("赠品质量太次了", &[]);
        assert_eq!(labels, vec!["price"]);
        // Installing a driver is not an installation service.
        let (labels, _) = c.classify("安装驱动以后蓝屏", &[]);
        assert!(!labels.contains(&"after_sales".to_string()), "{labels:?}");
        // Praise switches a seed off, negated praise does not.
        let (labels, _) = c.classify("快递很及时", &[]);
        assert_eq!(labels, vec!["other"]);
        let (labels, _) = c.classify("快递很不及时", &[]);
        assert_eq!(labels, vec!["logistics"]);
        let (labels, _) = c.classify("快递服务不太满意", &[]);
        assert_eq!(labels, vec!["logistics"]);
    }

    #[test]
    fn fired_seeds_are_the_evidence() {
        let t = Taxonomy::default_taxonomy();
        let rules = Rules::compile(&t).unwrap();
        let logistics = t.names().iter().position(|n| *n == "logistics").unwrap();
        let fired = rules.fired_seeds("骑手送错了，快递也慢");
        assert!(fired.contains(&(logistics, "骑手")), "{fired:?}");
        assert!(fired.contains(&(logistics, "快递")), "{fired:?}");
        // Switched off by praise: not evidence.
        assert!(rules.fired_seeds("物流很快").is_empty());
    }

    #[test]
    fn primary_category_is_the_most_frequent_then_earliest() {
        let conv = vec![vec!["other"], vec!["price", "logistics"], vec!["logistics"]];
        assert_eq!(primary_category(conv).as_deref(), Some("logistics"));
        let tie = vec![vec!["price"], vec!["logistics"]];
        assert_eq!(primary_category(tie).as_deref(), Some("price"));
        assert_eq!(primary_category(vec![vec!["other"]]), None);
    }

    #[test]
    fn bad_pattern_is_a_config_error() {
        let t = Taxonomy::from_toml("[[category]]\nname = \"x\"\npatterns = [\"(\"]\n").unwrap();
        assert!(matches!(
            CategoryClassifier::new(t, None),
            Err(TextError::Config(_))
        ));
    }
}
