//! Every metric a series, a card or a comparison can name, declared once: its name
//! (the API's `metric=` value and the report field it reads), unit, which direction
//! is better, labels in Chinese and English, and where its value comes from — a
//! field of a report [`Body`], or one SQL aggregate over the customer messages kefu-text
//! has read. The API's enums, the report's sections and the dashboard's types are
//! checked against [`Metric::ALL`].

use crate::kpi::Body;
use serde::{Deserialize, Serialize};

/// What a metric's number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Seconds,
    /// 0–1.
    Ratio,
    /// 0–100.
    Percent,
    /// A mean score (sentiment 0–1).
    Score,
}

/// Which way is better, for flags and comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// Volume: neither.
    Neutral,
}

/// Where a metric's value comes from.
#[derive(Clone, Copy)]
pub enum Source {
    /// A field of the report body (the same number the report prints).
    Report(fn(&Body) -> Option<f64>),
    /// An aggregate over the customer messages with a sentiment (`messages` table),
    /// as SQL.
    CustomerMessages(fn() -> String),
}

/// One metric's declaration.
pub struct MetricDef {
    pub metric: Metric,
    pub unit: Unit,
    pub direction: Direction,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub source: Source,
}

macro_rules! metrics {
    ($($variant:ident $name:literal $unit:ident $dir:ident $zh:literal $en:literal $src:expr;)*) => {
        /// A metric by name (`snake_case`, as in the report JSON and the API).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Metric { $($variant,)* }

        impl Metric {
            /// Every metric, in the order menus list them.
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name,)* }
            }

            pub fn def(self) -> MetricDef {
                match self {
                    $(Metric::$variant => MetricDef {
                        metric: self,
                        unit: Unit::$unit,
                        direction: Direction::$dir,
                        label_zh: $zh,
                        label_en: $en,
                        source: $src,
                    },)*
                }
            }
        }
    };
}

fn count(v: i64) -> Option<f64> {
    Some(v as f64)
}

metrics! {
    Conversations "conversations" Count Neutral "咨询量" "Conversations"
        Source::Report(|b| count(b.volume.conversations));
    Customers "customers" Count Neutral "咨询人数" "Customers"
        Source::Report(|b| count(b.volume.customers));
    CustomerMessages "customer_messages" Count Neutral "客户消息数" "Customer messages"
        Source::Report(|b| count(b.volume.customer_messages));
    AgentMessages "agent_messages" Count Neutral "客服消息数" "Agent messages"
        Source::Report(|b| count(b.volume.agent_messages));
    FrtP50 "frt_p50" Seconds LowerIsBetter "首响时长中位数" "First response, median"
        Source::Report(|b| b.response.frt_secs.p50);
    FrtMean "frt_mean" Seconds LowerIsBetter "平均首响时长" "First response, mean"
        Source::Report(|b| b.response.frt_secs.mean);
    ResponseP50 "response_p50" Seconds LowerIsBetter "响应时长中位数" "Response time, median"
        Source::Report(|b| b.response.response_secs.p50);
    ThreeMinRate "three_min_rate" Ratio HigherIsBetter "3分钟人工回复率" "3-minute reply rate"
        Source::Report(|b| b.response.three_min_rate);
    NotServedRate "not_served_rate" Ratio LowerIsBetter "人工不服务率" "Not served rate"
        Source::Report(|b| b.response.not_served_rate);
    ResolutionRate "resolution_rate" Ratio HigherIsBetter "解决率" "Resolution rate"
        Source::Report(|b| b.resolution.rate);
    OneTouchRate "one_touch_rate" Ratio HigherIsBetter "一次解决率" "One-touch resolution"
        Source::Report(|b| b.resolution.one_touch_rate);
    ReopenRate "reopen_rate" Ratio LowerIsBetter "重开率" "Reopen rate"
        Source::Report(|b| b.resolution.reopen_rate);
    CsatPct "csat_pct" Percent HigherIsBetter "满意度" "CSAT"
        Source::Report(|b| b.satisfaction.csat_pct);
    DissatisfiedPct "dissatisfied_pct" Percent LowerIsBetter "不满意率" "Dissatisfied"
        Source::Report(|b| b.satisfaction.dissatisfied_pct);
    SurveyResponseRate "survey_response_rate" Ratio HigherIsBetter "评价率" "Survey response rate"
        Source::Report(|b| b.satisfaction.response_rate);
    ConversionRate "conversion_rate" Ratio HigherIsBetter "询单转化率" "Inquiry conversion"
        Source::Report(|b| b.conversion.rate);
    Inquiries "inquiries" Count Neutral "询单人数" "Inquiries"
        Source::Report(|b| count(b.conversion.inquiries));
    SentimentMean "sentiment_mean" Score HigherIsBetter "平均情感" "Mean sentiment"
        Source::CustomerMessages(|| "avg(sentiment)".into());
    NegativeShare "negative_share" Ratio LowerIsBetter "负面消息占比" "Negative share"
        Source::CustomerMessages(|| {
            format!(
                "avg(CASE WHEN sentiment < {} THEN 1.0 ELSE 0.0 END)",
                crate::complaints::NEGATIVE_BELOW
            )
        });
}

impl Metric {
    /// Every name, as the API's enum lists them.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|m| m.name()).collect()
    }

    /// The value of this metric in a report body (`None` for message aggregates).
    pub fn of(self, b: &Body) -> Option<f64> {
        match self.def().source {
            Source::Report(f) => f(b),
            Source::CustomerMessages(_) => None,
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s.trim())
            .ok_or_else(|| format!("unknown metric '{s}' (one of {})", Self::names().join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names are unique and parse back; the negative-share aggregate uses kefu-text's
    /// own threshold.
    #[test]
    fn names_round_trip_and_thresholds_agree() {
        let mut seen = std::collections::BTreeSet::new();
        for m in Metric::ALL {
            assert!(seen.insert(m.name()), "{m} twice");
            assert_eq!(m.name().parse::<Metric>().unwrap(), *m);
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                serde_json::Value::String(m.name().into())
            );
        }
        let Source::CustomerMessages(sql) = Metric::NegativeShare.def().source else {
            panic!("negative_share is a message aggregate");
        };
        assert!(sql().contains(&format!(
            "sentiment < {}",
            crate::complaints::NEGATIVE_BELOW
        )));
        assert!("nope".parse::<Metric>().unwrap_err().contains("frt_p50"));
    }
}
