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
/// Starting weight of a mention (topic word without a rule hit) on its label:
/// P ≈ 0.38 before training.
const MENTION_PRIOR: f32 = 1.5;
/// Probability above which a label whose rule fired is kept when the model file
/// names no per-label `rule_thresholds` (0.5 without a rule hit).
pub const RULE_THRESHOLD: f32 = 0.2;
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
    /// Words that name the topic without saying what is wrong (`客服`, `价格`,
    /// `包装`): a model feature of their own, but not a rule hit, so the model
    /// alone decides whether the text complains about it. Switched off like
    /// seeds (praise, negation, `unless`).
    #[serde(default)]
    pub mentions: Vec<String>,
    /// Regular expressions with the meaning of `mentions`.
    #[serde(default)]
    pub mention_patterns: Vec<String>,
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
                    x.mentions.extend(c.mentions);
                    x.mention_patterns.extend(c.mention_patterns);
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
    /// Per seed: a mention (see [`Category::mentions`]), not a rule.
    seed_mention: Vec<bool>,
    negatable: Vec<bool>,
    /// Per category: normalised words that switch its seeds off in their clause.
    unless: Vec<Vec<String>>,
    /// (category, pattern, is a mention pattern).
    regexes: Vec<(usize, Regex, bool)>,
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
        let mut seed_mention = Vec::new();
        let mut regexes = Vec::new();
        for (i, c) in tax.categories.iter().enumerate() {
            let words = c.seeds.iter().map(|s| (s, false));
            for (s, mention) in words.chain(c.mentions.iter().map(|s| (s, true))) {
                let s = crate::normalize::normalize(s).text;
                if !s.is_empty() {
                    seeds.push(s);
                    seed_category.push(i);
                    seed_mention.push(mention);
                }
            }
            let pats = c.patterns.iter().map(|p| (p, false));
            for (p, mention) in pats.chain(c.mention_patterns.iter().map(|p| (p, true))) {
                let re = Regex::new(p)
                    .map_err(|e| TextError::Config(format!("category {}: {e}", c.name)))?;
                regexes.push((i, re, mention));
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
        let regex_set = regex::RegexSet::new(regexes.iter().map(|(_, r, _)| r.as_str()))
            .map_err(|e| TextError::Config(e.to_string()))?;
        Ok(Rules {
            ac,
            seeds,
            regex_set,
            seed_category,
            seed_mention,
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

    /// Every pattern that counts in `text` (its first match not switched off
    /// by an `unless` word), as (category index, pattern source, is a mention
    /// pattern): the pattern side of [`Rules::fired_seeds`].
    pub fn fired_patterns(&self, text: &str) -> Vec<(usize, &str, bool)> {
        self.regex_set
            .matches(text)
            .iter()
            .filter_map(|k| {
                let (i, re, mention) = &self.regexes[k];
                let m = re.find(text)?;
                let cl = clause(text, m.start(), m.end());
                (!self.unless[*i].iter().any(|w| cl.contains(w.as_str()))).then_some((
                    *i,
                    re.as_str(),
                    *mention,
                ))
            })
            .collect()
    }

    /// Whether seed `seed` (as returned by [`Rules::fired_seeds`]) of
    /// category `category` is a mention rather than a rule.
    pub fn is_mention(&self, category: usize, seed: &str) -> bool {
        self.seeds
            .iter()
            .zip(&self.seed_category)
            .zip(&self.seed_mention)
            .any(|((s, c), m)| *m && *c == category && s == seed)
    }

    /// Every category whose rules match, with the first match of each.
    pub fn hits(&self, text: &str) -> Vec<RuleHit> {
        self.scan(text).0
    }

    /// Rule hits and, apart, the categories only mentioned (a mention word or
    /// pattern counts and no rule of the category fired), each once.
    pub fn scan(&self, text: &str) -> (Vec<RuleHit>, Vec<usize>) {
        let mut out: Vec<RuleHit> = Vec::new();
        let mut mentioned: Vec<usize> = Vec::new();
        let mut push = |category: usize, m: &str, mention: bool| {
            if mention {
                if !mentioned.contains(&category) {
                    mentioned.push(category);
                }
            } else if !out.iter().any(|h| h.category == category) {
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
                let k = m.pattern().as_usize();
                let c = self.seed_category[k];
                if !self.switched_off(text, m.start(), m.end(), c, &tones) {
                    push(c, &text[m.range()], self.seed_mention[k]);
                }
            }
        }
        if !self.regexes.is_empty() {
            for k in self.regex_set.matches(text).iter() {
                let (i, re, mention) = &self.regexes[k];
                if let Some(m) = re.find(text) {
                    let unless = &self.unless[*i];
                    if unless.is_empty() || {
                        let cl = clause(text, m.start(), m.end());
                        !unless.iter().any(|w| cl.contains(w.as_str()))
                    } {
                        push(*i, m.as_str(), *mention);
                    }
                }
            }
        }
        mentioned.retain(|c| !out.iter().any(|h| h.category == *c));
        (out, mentioned)
    }
}

/// Rule-hit feature id for category `name` (unit-scale input of the model).
pub fn rule_feature(name: &str) -> u32 {
    hash_str(&format!("rule:{name}"))
}

/// Feature id of a mention of category `name` without a rule hit.
pub fn mention_feature(name: &str) -> u32 {
    hash_str(&format!("mention:{name}"))
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
    mention_ids: Vec<u32>,
    thresholds: Thresholds,
}

/// The decision thresholds of a model, per output (see
/// [`CategoryClassifier::decide`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    /// Probability from which a label is assigned without a rule hit.
    pub bar: Vec<f32>,
    /// ... and with one of its rules firing.
    pub rule_bar: Vec<f32>,
    /// P(`other`) from which labels without a rule hit are dropped (only when
    /// the model has an `other` output; above 1 it never applies).
    pub other: f32,
}

impl Thresholds {
    /// The thresholds a model file carries: `thresholds`, the metadata's
    /// `rule_thresholds` (else [`RULE_THRESHOLD`]) and `other_threshold`
    /// (else never).
    pub fn of(m: &LinearModel) -> Thresholds {
        Thresholds {
            bar: m.thresholds.clone(),
            rule_bar: rule_thresholds(m),
            other: m
                .meta
                .get("other_threshold")
                .and_then(|s| s.parse().ok())
                .unwrap_or(2.0),
        }
    }

    /// Writes them into the model (thresholds and metadata).
    pub fn store(&self, m: &mut LinearModel) {
        m.thresholds = self.bar.clone();
        set_rule_thresholds(m, &self.rule_bar);
        m.meta
            .insert("other_threshold".into(), format!("{:.3}", self.other));
    }
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
        let mention_ids = taxonomy
            .categories
            .iter()
            .map(|c| mention_feature(&c.name))
            .collect();
        let thresholds = model.as_ref().map_or(
            Thresholds {
                bar: Vec::new(),
                rule_bar: Vec::new(),
                other: 2.0,
            },
            Thresholds::of,
        );
        Ok(CategoryClassifier {
            taxonomy,
            rules,
            model,
            output_of,
            rule_ids,
            mention_ids,
            thresholds,
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
        let ev = self.evidence(text, ngrams);
        self.decide(&ev, sentiment)
    }

    /// The rule hits of a normalised text and the model's probability of each
    /// category, before any threshold: what [`CategoryClassifier::decide`] turns
    /// into labels (cross-validation chooses the thresholds from these).
    pub fn evidence(&self, text: &str, ngrams: &[u32]) -> CategoryEvidence {
        let (hits, mentioned) = self.rules.scan(text);
        let mut logits = Vec::new();
        if let Some(m) = &self.model {
            let extra: Vec<u32> = hits
                .iter()
                .map(|h| self.rule_ids[h.category])
                .chain(mentioned.iter().map(|&c| self.mention_ids[c]))
                .collect();
            m.logits_into(ngrams, &extra, &mut logits);
        }
        let prob = self
            .output_of
            .iter()
            .map(|o| o.map(|o| sigmoid(logits[o])))
            .collect();
        CategoryEvidence { hits, prob }
    }

    /// Labels from [`CategoryClassifier::evidence`]: a category with a model
    /// output is assigned when its probability reaches the output's threshold,
    /// a lower one when its rule fired ([`rule_thresholds`]); a category decided
    /// by rules alone when its rule fired. `other` when nothing is assigned.
    pub fn decide(
        &self,
        ev: &CategoryEvidence,
        sentiment: Option<f32>,
    ) -> (Vec<String>, Vec<CategoryScore>) {
        self.decide_with(ev, sentiment, &self.thresholds)
    }

    /// The thresholds of the classifier's model.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// [`CategoryClassifier::decide`] with other thresholds (how
    /// cross-validation tries them).
    pub fn decide_with(
        &self,
        ev: &CategoryEvidence,
        sentiment: Option<f32>,
        th: &Thresholds,
    ) -> (Vec<String>, Vec<CategoryScore>) {
        let positive = sentiment.is_some_and(|p| p >= POSITIVE_GATE);
        // A confident `other` output keeps only the labels a rule backs.
        let vague = self
            .taxonomy
            .categories
            .iter()
            .position(|c| c.name == OTHER)
            .and_then(|i| ev.prob.get(i).copied().flatten())
            .is_some_and(|p| p >= th.other);
        let mut labels = Vec::new();
        let mut scores = Vec::new();
        for (i, c) in self.taxonomy.categories.iter().enumerate() {
            if c.name == OTHER {
                continue;
            }
            let rule = ev
                .hits
                .iter()
                .find(|h| h.category == i)
                .map(|h| h.matched.clone());
            let (score, on) = match (self.output_of[i], ev.prob[i]) {
                (Some(o), Some(p)) => {
                    // The model decides; a rule hit lowers the bar, so the model
                    // vetoes a rule only when it is fairly sure.
                    let bar = if rule.is_some() {
                        th.rule_bar[o]
                    } else {
                        th.bar[o]
                    };
                    (p, p >= bar && (rule.is_some() || !vague))
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

/// What [`CategoryClassifier::evidence`] found in one text.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryEvidence {
    /// Rules that fired, the first match of each category.
    pub hits: Vec<RuleHit>,
    /// Per taxonomy category: the model's probability, `None` for `other` and
    /// categories decided by their rules alone.
    pub prob: Vec<Option<f32>>,
}

impl CategoryEvidence {
    /// Whether a rule of taxonomy category `i` fired.
    pub fn fired(&self, i: usize) -> bool {
        self.hits.iter().any(|h| h.category == i)
    }
}

/// Per model output, the probability from which a label whose rule fired is
/// kept: the model file's `rule_thresholds` (comma-separated, in output order,
/// written by [`set_rule_thresholds`]), else [`RULE_THRESHOLD`].
pub fn rule_thresholds(m: &LinearModel) -> Vec<f32> {
    let parsed: Option<Vec<f32>> = m
        .meta
        .get("rule_thresholds")
        .and_then(|s| s.split(',').map(|x| x.trim().parse().ok()).collect());
    match parsed {
        Some(v) if v.len() == m.labels.len() => v,
        _ => vec![RULE_THRESHOLD; m.labels.len()],
    }
}

/// Records per-output rule thresholds in the model's metadata (see
/// [`rule_thresholds`]).
pub fn set_rule_thresholds(m: &mut LinearModel, t: &[f32]) {
    let s: Vec<String> = t.iter().map(|x| format!("{x:.3}")).collect();
    m.meta.insert("rule_thresholds".into(), s.join(","));
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

/// Trains the category model for `taxonomy`: one output per category, `other`
/// included (it never is a label by itself, see [`CategoryClassifier::decide_with`]).
pub fn train_category_model(
    taxonomy: &Taxonomy,
    examples: &[CategoryExample<'_>],
    seed: u64,
) -> Result<LinearModel, TextError> {
    let rules = Rules::compile(taxonomy)?;
    // `other` is an output too: a confident P(other) keeps only the labels a
    // rule backs (see [`CategoryClassifier::decide_with`]).
    let labels: Vec<String> = taxonomy.categories.iter().map(|c| c.name.clone()).collect();
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
            let (hits, mentioned) = rules.scan(e.text);
            let extra = hits
                .iter()
                .map(|h| rule_feature(&taxonomy.categories[h.category].name))
                .chain(
                    mentioned
                        .iter()
                        .map(|&c| mention_feature(&taxonomy.categories[c].name)),
                )
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
        .flat_map(|(k, l)| {
            [
                (rule_feature(l), k, RULE_PRIOR),
                (mention_feature(l), k, MENTION_PRIOR),
            ]
        })
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
    fn mentions_are_model_features_not_rule_hits() {
        let t = Taxonomy::from_toml(
            "[[category]]\nname = \"price\"\nseeds = [\"太贵\"]\nmentions = [\"价格\"]\nmention_patterns = [\"[0-9]+元\"]\n\n[[category]]\nname = \"other\"\n",
        )
        .unwrap();
        let rules = Rules::compile(&t).unwrap();
        let (hits, mentioned) = rules.scan("价格38元");
        assert!(hits.is_empty());
        assert_eq!(mentioned, vec![0]);
        // A rule hit of the category replaces its mention.
        let (hits, mentioned) = rules.scan("价格太贵");
        assert_eq!(hits.len(), 1);
        assert!(mentioned.is_empty());
        assert!(rules.is_mention(0, "价格") && !rules.is_mention(0, "太贵"));
        assert_eq!(rules.fired_patterns("38元"), vec![(0, "[0-9]+元", true)]);
        // Without a model a mention assigns nothing.
        let c = CategoryClassifier::new(t, None).unwrap();
        assert_eq!(c.classify("价格38元", &[]).0, vec!["other"]);
    }

    /// A model over the default taxonomy whose outputs are constant (bias only).
    fn constant_model(p: &[(&str, f32)]) -> LinearModel {
        let labels: Vec<String> = Taxonomy::default_taxonomy()
            .names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let n = labels.len();
        let bias = labels
            .iter()
            .map(|l| {
                let q = p.iter().find(|x| x.0 == l).map_or(0.01, |x| x.1);
                (q / (1.0 - q)).ln()
            })
            .collect();
        LinearModel {
            bits: 8,
            labels,
            bias,
            weights: vec![0; 256 * n],
            scale: 1.0,
            thresholds: vec![0.5; n],
            meta: BTreeMap::new(),
        }
    }

    #[test]
    fn thresholds_travel_in_the_model_and_other_vetoes_unbacked_labels() {
        let mut m = constant_model(&[("quality", 0.7), ("logistics", 0.3), ("other", 0.6)]);
        let th = Thresholds::of(&m);
        assert_eq!(th.rule_bar, vec![RULE_THRESHOLD; m.labels.len()]);
        assert!(th.other > 1.0, "no other threshold: never applies");
        let c = CategoryClassifier::new(Taxonomy::default_taxonomy(), Some(m.clone())).unwrap();
        // quality 0.7 ≥ 0.5 without a rule; logistics 0.3 ≥ 0.2 with `快递`.
        let (labels, _) = c.classify("快递", &[]);
        assert_eq!(labels, vec!["quality", "logistics"]);
        let mut th = th;
        th.other = 0.5;
        th.rule_bar[1] = 0.4;
        th.store(&mut m);
        let back = LinearModel::from_bytes(&m.to_bytes().unwrap()).unwrap();
        assert_eq!(Thresholds::of(&back), th);
        let c = CategoryClassifier::new(Taxonomy::default_taxonomy(), Some(back)).unwrap();
        // P(other) 0.6 ≥ 0.5 drops quality (no rule); logistics now needs 0.4.
        assert_eq!(c.classify("快递", &[]).0, vec!["other"]);
        let ev = c.evidence("快递", &[]);
        let lenient = Thresholds { other: 0.9, ..th };
        assert_eq!(
            c.decide_with(&ev, None, &lenient).0,
            vec!["quality".to_string()]
        );
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
