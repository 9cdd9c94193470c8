//! Customer intents (咨询意图) of chat turns: what the customer wants — a pre-sale
//! question, order status, a complaint about logistics or quality, a return, an
//! invoice, a usage question, a better price, or just "好的".
//!
//! An ordered rule list (`dict/intents.toml`, extendable per shop): the first intent
//! whose seed words or patterns match wins, and complaint intents also need the chat
//! sentiment model to call the turn negative, so "什么时候发货" is order status and
//! "怎么还没发货" a logistics complaint. Nothing matching is `other`.

use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Deserialize;

use crate::error::TextError;
use crate::normalize::normalize;
use crate::sentiment::SentimentLabel;

/// The embedded default intents.
pub static DEFAULT_INTENTS: &str = include_str!("../dict/intents.toml");

/// The intent of a turn nothing else fits.
pub const OTHER_INTENT: &str = "other";

/// Which sentiment an intent needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum When {
    #[default]
    Any,
    Negative,
    NotNegative,
}

#[derive(Debug, Clone, Deserialize)]
struct IntentDef {
    name: String,
    #[serde(default)]
    zh: String,
    #[serde(default)]
    when: When,
    #[serde(default)]
    seeds: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct IntentFile {
    #[serde(default)]
    intent: Vec<IntentDef>,
}

#[derive(Debug, Clone)]
struct Rule {
    name: String,
    zh: String,
    when: When,
    seeds: Option<AhoCorasick>,
    patterns: Vec<Regex>,
}

/// The ordered intent rules.
#[derive(Debug, Clone)]
pub struct Intents {
    rules: Vec<Rule>,
}

impl Intents {
    /// The embedded defaults.
    pub fn embedded() -> Result<Intents, TextError> {
        Self::from_toml(DEFAULT_INTENTS)
    }

    /// `[[intent]]` tables, tried in file order.
    pub fn from_toml(s: &str) -> Result<Intents, TextError> {
        let f: IntentFile =
            toml::from_str(s).map_err(|e| TextError::Data(format!("intents: {e}")))?;
        let mut rules = Vec::new();
        for d in f.intent {
            rules.push(Self::rule(d)?);
        }
        Ok(Intents { rules })
    }

    fn rule(d: IntentDef) -> Result<Rule, TextError> {
        if d.name.trim().is_empty() {
            return Err(TextError::Data("intents: an intent without a name".into()));
        }
        let seeds: Vec<String> = d
            .seeds
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| normalize(s).text)
            .collect();
        let seeds = if seeds.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::new(&seeds)
                    .map_err(|e| TextError::Data(format!("intent {}: {e}", d.name)))?,
            )
        };
        let patterns = d
            .patterns
            .iter()
            .map(|p| {
                Regex::new(p)
                    .map_err(|e| TextError::Data(format!("intent {} pattern {p}: {e}", d.name)))
            })
            .collect::<Result<_, _>>()?;
        Ok(Rule {
            name: d.name,
            zh: d.zh,
            when: d.when,
            seeds,
            patterns,
        })
    }

    /// Adds a shop's intents (same TOML shape): one with a default's name replaces
    /// it in place; new ones are tried before the defaults.
    pub fn merge_toml(&mut self, s: &str) -> Result<(), TextError> {
        let extra = Self::from_toml(s)?;
        let mut new = Vec::new();
        for r in extra.rules {
            match self.rules.iter_mut().find(|x| x.name == r.name) {
                Some(slot) => *slot = r,
                None => new.push(r),
            }
        }
        new.append(&mut self.rules);
        self.rules = new;
        Ok(())
    }

    /// Intent names in the order they are tried, then `other`.
    pub fn names(&self) -> Vec<&str> {
        self.rules
            .iter()
            .map(|r| r.name.as_str())
            .chain([OTHER_INTENT])
            .collect()
    }

    /// (name, Chinese name) of every intent, `other` last.
    pub fn labels(&self) -> Vec<(String, String)> {
        self.rules
            .iter()
            .map(|r| (r.name.clone(), r.zh.clone()))
            .chain([(OTHER_INTENT.to_string(), "其他".to_string())])
            .collect()
    }

    /// The intent of a normalised turn given its chat sentiment label.
    pub fn classify(&self, text: &str, sentiment: SentimentLabel) -> &str {
        let negative = sentiment == SentimentLabel::Negative;
        for r in &self.rules {
            let ok = match r.when {
                When::Any => true,
                When::Negative => negative,
                When::NotNegative => !negative,
            };
            if !ok {
                continue;
            }
            if r.seeds.as_ref().is_some_and(|a| a.is_match(text))
                || r.patterns.iter().any(|p| p.is_match(text))
            {
                return &r.name;
            }
        }
        OTHER_INTENT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(t: &str, s: SentimentLabel) -> String {
        Intents::embedded()
            .unwrap()
            .classify(&normalize(t).text, s)
            .to_string()
    }

    #[test]
    fn hand_written_turns() {
        use SentimentLabel::*;
        for (t, s, want) in [
            ("XL码还有货吗", Neutral, "presale"),
            ("这款是什么材质的", Neutral, "presale"),
            ("什么时候发货呀", Neutral, "order_status"),
            ("2458836612345678901", Neutral, "order_status"),
            ("538859390911", Neutral, "presale"),
            ("地址写错了，帮我改一下", Neutral, "order_status"),
            ("怎么还没发货，都五天了", Negative, "logistics_complaint"),
            ("杯子收到就碎了", Negative, "quality_complaint"),
            ("我要退货", Neutral, "return_refund"),
            ("能开发票吗", Neutral, "invoice_payment"),
            ("这个怎么安装", Neutral, "usage_question"),
            ("两件能便宜点吗", Neutral, "bargaining_promotion"),
            ("好的谢谢", Positive, "greeting_ack"),
            ("在吗", Neutral, "greeting_ack"),
            ("给家里人买的", Neutral, "other"),
        ] {
            assert_eq!(intent(t, s), want, "{t}");
        }
    }

    #[test]
    fn shop_intents_replace_or_go_first() {
        let mut i = Intents::embedded().unwrap();
        i.merge_toml(
            "[[intent]]\nname = \"gift\"\nseeds = [\"礼盒\"]\n[[intent]]\nname = \"presale\"\nseeds = [\"现货\"]\n",
        )
        .unwrap();
        assert_eq!(i.names()[0], "gift");
        assert_eq!(i.classify("礼盒有吗", SentimentLabel::Neutral), "gift");
        assert_eq!(i.classify("有现货吗", SentimentLabel::Neutral), "presale");
        // The replaced presale no longer knows 尺码.
        assert_eq!(i.classify("尺码偏大吗", SentimentLabel::Neutral), "other");
        assert!(Intents::from_toml("[[intent]]\nname = \"x\"\npatterns = [\"(\"]\n").is_err());
    }
}

/// The hand-labelled intents of the first 200 turns of
/// `sentiment/ecd_cs_turns_dev.jsonl` (ids only; the texts stay in the data
/// directory). Labelled by reading each turn with the agent turn before it, by
/// what the customer wants in the conversation: a product id pasted to ask about
/// the item is `presale`, 包邮 and shipping-fee questions `bargaining_promotion`,
/// a short fragment of a complaint takes the complaint's intent.
pub static LABELLED_DEV: &str = include_str!("../tests/fixtures/intents_ecd_dev.jsonl");

/// Intent accuracy and per-intent figures on the labelled turns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IntentEval {
    pub turns: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// (intent, support, precision, recall, F1)
    pub per_intent: Vec<(String, usize, f64, f64, f64)>,
}

/// Scores `intents` on the labelled turns, each read with the chat sentiment
/// label of a model that did not see it (cross-validated: `cv_labels[id]`).
pub fn evaluate(
    intents: &Intents,
    turns: &[crate::chat_sentiment::ChatTurn],
    cv_labels: &[SentimentLabel],
) -> Result<IntentEval, TextError> {
    #[derive(Deserialize)]
    struct Row {
        id: usize,
        intent: String,
    }
    let mut pairs = Vec::new();
    for (n, line) in LABELLED_DEV.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let r: Row = serde_json::from_str(line)
            .map_err(|e| TextError::Data(format!("intent labels line {}: {e}", n + 1)))?;
        let (Some(t), Some(s)) = (turns.get(r.id), cv_labels.get(r.id)) else {
            return Err(TextError::Data(format!("intent labels: no turn {}", r.id)));
        };
        let got = intents.classify(&normalize(&t.text).text, *s).to_string();
        pairs.push((r.intent, got));
    }
    let right = pairs.iter().filter(|(g, p)| g == p).count();
    let mut per_intent = Vec::new();
    for name in intents.names() {
        let tp = pairs.iter().filter(|(g, p)| g == name && p == name).count();
        let gold = pairs.iter().filter(|(g, _)| g == name).count();
        let pred = pairs.iter().filter(|(_, p)| p == name).count();
        if gold == 0 && pred == 0 {
            continue;
        }
        let p = if pred == 0 {
            0.0
        } else {
            tp as f64 / pred as f64
        };
        let r = if gold == 0 {
            0.0
        } else {
            tp as f64 / gold as f64
        };
        let f = if tp == 0 {
            0.0
        } else {
            2.0 * tp as f64 / (pred + gold) as f64
        };
        per_intent.push((name.to_string(), gold, p, r, f));
    }
    let with_support: Vec<f64> = per_intent.iter().filter(|x| x.1 > 0).map(|x| x.4).collect();
    Ok(IntentEval {
        turns: pairs.len(),
        accuracy: right as f64 / pairs.len().max(1) as f64,
        macro_f1: with_support.iter().sum::<f64>() / with_support.len().max(1) as f64,
        per_intent,
    })
}
