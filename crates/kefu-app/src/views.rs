//! One function per view the product shows: the report, series, the weekday × hour
//! heatmap, duration distributions, breakdowns, complaints and the filter menus. The
//! CLI prints them, the API returns them as JSON, the dashboard draws them.

use crate::filters::Filters;
use crate::session::Session;
use crate::{App, AppError, AppResult};
use kefu_analytics::buckets::Bucket;
use kefu_analytics::kpi::BreakdownRow;
use kefu_analytics::metrics::{Metric, Source};
use kefu_analytics::{Breakdown, Report, ReportQuery};
use serde::Serialize;
use utoipa::ToSchema;

/// Time buckets of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesGrain {
    Hour,
    Day,
    Week,
    Month,
    /// 0–23 over the whole period.
    HourOfDay,
}

impl SeriesGrain {
    pub const ALL: [SeriesGrain; 5] = [
        SeriesGrain::Hour,
        SeriesGrain::Day,
        SeriesGrain::Week,
        SeriesGrain::Month,
        SeriesGrain::HourOfDay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SeriesGrain::Hour => "hour",
            SeriesGrain::Day => "day",
            SeriesGrain::Week => "week",
            SeriesGrain::Month => "month",
            SeriesGrain::HourOfDay => "hour_of_day",
        }
    }

    fn breakdown(self) -> Breakdown {
        match self {
            SeriesGrain::Hour => Breakdown::DateHour,
            SeriesGrain::Day => Breakdown::Day,
            SeriesGrain::Week => Breakdown::Week,
            SeriesGrain::Month => Breakdown::Month,
            SeriesGrain::HourOfDay => Breakdown::Hour,
        }
    }
}

impl std::str::FromStr for SeriesGrain {
    type Err = AppError;
    fn from_str(s: &str) -> AppResult<Self> {
        Self::ALL
            .into_iter()
            .find(|g| g.name() == s.trim())
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|g| g.name()).collect();
                AppError::bad("grain", format!("'{s}' is not one of {}", all.join(", ")))
            })
    }
}

/// The OpenAPI schema of a metric name: an enum of every declared metric.
pub fn metric_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(Metric::names()))
        .description(Some(
            "A metric of the report (METRICS.md), by the name the report JSON uses.",
        ))
        .build()
}

/// One point of a series: its bucket as the breakdown keys write it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Point {
    /// `2025-11-12 20` (hour), `2025-11-12` (day), the Monday (week), `2025-11`
    /// (month) or `20` (hour of day).
    pub t: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeriesOut {
    #[schema(schema_with = metric_schema)]
    pub metric: Metric,
    pub grain: SeriesGrain,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HeatmapOut {
    pub metric: String,
    pub weekdays: Vec<String>,
    /// 7 rows (Monday first) × 24 shop-local hours.
    pub cells: Vec<Vec<i64>>,
}

/// Which durations a distribution counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistributionMetric {
    /// First response per care cycle.
    Frt,
    /// Human rounds.
    Response,
}

impl std::str::FromStr for DistributionMetric {
    type Err = AppError;
    fn from_str(s: &str) -> AppResult<Self> {
        match s.trim() {
            "frt" => Ok(DistributionMetric::Frt),
            "response" => Ok(DistributionMetric::Response),
            o => Err(AppError::bad(
                "metric",
                format!("'{o}' is not one of frt, response"),
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BucketCount {
    pub label: String,
    /// Exclusive lower bound in seconds (0 for the first bucket; none for unanswered).
    pub lo: Option<f64>,
    /// Inclusive upper bound in seconds (none for the open last bucket and unanswered).
    pub hi: Option<f64>,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DistributionOut {
    pub metric: DistributionMetric,
    pub buckets: Vec<BucketCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakdownOut {
    pub by: String,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<BreakdownRow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShopMeta {
    pub id: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DateRange {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What the filter menus offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetaOut {
    pub shops: Vec<ShopMeta>,
    pub channels: Vec<String>,
    pub agents: Vec<String>,
    pub categories: Vec<String>,
    pub date_range: DateRange,
    /// Set when the stored facts are behind the source tables: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
}

impl App {
    /// The session and report query for a question's filters.
    pub async fn prepare(&self, f: &Filters) -> AppResult<(Session, ReportQuery)> {
        let s = self.session_in(f.tz(), f.shop.as_deref()).await?;
        let q = f.query(s.config())?;
        Ok((s, q))
    }

    /// METRICS.md's report for the filters, broken down `by` a dimension if asked.
    /// Without a period it names the first and last day the data has.
    pub async fn report(&self, f: &Filters, by: Option<Breakdown>) -> AppResult<Report> {
        let (s, mut q) = self.prepare(f).await?;
        q.by = by;
        report_in(&s, &q).await
    }

    /// A metric over time.
    pub async fn series(
        &self,
        f: &Filters,
        metric: Metric,
        grain: SeriesGrain,
    ) -> AppResult<SeriesOut> {
        let (s, q) = self.prepare(f).await?;
        series_in(&s, &q, metric, grain).await
    }

    /// Conversations started per shop-local weekday × hour.
    pub async fn heatmap(&self, f: &Filters) -> AppResult<HeatmapOut> {
        let (s, q) = self.prepare(f).await?;
        let cells = kefu_analytics::kpi::heatmap(s.ctx(), &q).await?;
        Ok(HeatmapOut {
            metric: "conversations".into(),
            weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .map(String::from)
                .to_vec(),
            cells,
        })
    }

    /// First response or round response times in METRICS.md's buckets.
    pub async fn distribution(
        &self,
        f: &Filters,
        metric: DistributionMetric,
    ) -> AppResult<DistributionOut> {
        let (s, q) = self.prepare(f).await?;
        let counts = match metric {
            DistributionMetric::Frt => kefu_analytics::kpi::frt_distribution(s.ctx(), &q).await?,
            DistributionMetric::Response => {
                kefu_analytics::kpi::response_distribution(s.ctx(), &q).await?
            }
        };
        Ok(DistributionOut {
            metric,
            buckets: counts
                .into_iter()
                .map(|(b, count)| bucket_out(&b, count))
                .collect(),
        })
    }

    /// The report body per key of `by`, without the overall body and complaints.
    pub async fn breakdown(&self, f: &Filters, by: Breakdown) -> AppResult<BreakdownOut> {
        let (s, mut q) = self.prepare(f).await?;
        q.by = Some(by);
        Ok(BreakdownOut {
            by: serde_json::to_value(by)?
                .as_str()
                .unwrap_or_default()
                .to_string(),
            rows: kefu_analytics::kpi::breakdown(s.ctx(), &q).await?,
        })
    }

    /// Complaint categories, sentiment, keywords of negative messages, urgent list.
    pub async fn complaints(
        &self,
        f: &Filters,
    ) -> AppResult<kefu_analytics::complaints::Complaints> {
        let (s, q) = self.prepare(f).await?;
        Ok(kefu_analytics::complaints::complaints(s.ctx(), &q).await?)
    }

    /// Shops, channels, agents, categories and the data's date range.
    pub async fn meta(&self) -> AppResult<MetaOut> {
        let s = self.session().await?;
        let strings = |sql: &'static str| {
            let s = s.clone();
            async move {
                Ok::<_, AppError>(
                    s.json_rows(sql)
                        .await?
                        .into_iter()
                        .filter_map(|r| r.get("v").and_then(|v| v.as_str()).map(str::to_string))
                        .collect::<Vec<String>>(),
                )
            }
        };
        let shops = strings("SELECT DISTINCT shop_id AS v FROM messages ORDER BY v").await?;
        let range = s
            .json_rows(
                "SELECT CAST(min(conv_local_date) AS VARCHAR) AS f, CAST(max(conv_local_date) AS VARCHAR) AS t FROM conversation_facts",
            )
            .await?;
        let r0 = range.first().cloned().unwrap_or_default();
        Ok(MetaOut {
            shops: shops
                .into_iter()
                .map(|id| ShopMeta {
                    timezone: s.config().shop(&id).map(|c| c.timezone).unwrap_or_default(),
                    id,
                })
                .collect(),
            channels: strings("SELECT DISTINCT channel AS v FROM conversation_facts ORDER BY v").await?,
            agents: strings(
                "SELECT DISTINCT agent_id AS v FROM messages WHERE agent_id IS NOT NULL AND sender = 'agent' ORDER BY v",
            )
            .await?,
            categories: strings(
                "SELECT DISTINCT v FROM (SELECT unnest(string_to_array(categories, ',')) AS v FROM conversation_facts WHERE categories IS NOT NULL) ORDER BY v",
            )
            .await?,
            date_range: DateRange {
                from: r0.get("f").and_then(|v| v.as_str()).map(str::to_string),
                to: r0.get("t").and_then(|v| v.as_str()).map(str::to_string),
            },
            stale: s.stale.clone(),
        })
    }
}

fn bucket_out(b: &Bucket, count: i64) -> BucketCount {
    BucketCount {
        label: b.label.clone(),
        lo: if b.unanswered {
            None
        } else {
            Some(b.lo_secs.unwrap_or(0.0))
        },
        hi: b.hi_secs,
        count,
    }
}

/// The report in a prepared session; an open period is closed with the first and
/// last day of the conversations the filters select.
pub(crate) async fn report_in(s: &Session, q: &ReportQuery) -> AppResult<Report> {
    let t = std::time::Instant::now();
    let mut r = kefu_analytics::report(s.ctx(), q).await?;
    r.stale = s.stale.clone();
    if (q.from.is_none() || q.to.is_none()) && s.has_table("conversation_facts") {
        let rows = s
            .json_rows(&format!(
                "SELECT CAST(min(conv_local_date) AS VARCHAR) AS f, CAST(max(conv_local_date) AS VARCHAR) AS t \
                 FROM conversation_facts WHERE {}",
                q.conversation_filter()
            ))
            .await?;
        let day = |k: &str| {
            rows.first()
                .and_then(|r| r.get(k))
                .and_then(|v| v.as_str())
                .and_then(|d| d.parse().ok())
        };
        r.period.from = r.period.from.or(day("f"));
        r.period.to = r.period.to.or(day("t"));
    }
    tracing::info!(secs = t.elapsed().as_secs_f64(), "report aggregated");
    Ok(r)
}

async fn series_in(
    s: &Session,
    q: &ReportQuery,
    metric: Metric,
    grain: SeriesGrain,
) -> AppResult<SeriesOut> {
    let points = match metric.def().source {
        Source::Report(value) => {
            let mut q = q.clone();
            q.by = Some(grain.breakdown());
            // The breakdown rows alone: the overall body and complaints of a full
            // report would double the work for nothing here.
            kefu_analytics::kpi::breakdown(s.ctx(), &q)
                .await?
                .into_iter()
                .map(|row| Point {
                    value: value(&row.body),
                    t: row.key,
                })
                .collect()
        }
        Source::CustomerMessages(aggregate) => {
            let key = match grain {
                SeriesGrain::Day => "CAST(local_date AS VARCHAR)",
                SeriesGrain::Week => {
                    "CAST(CAST(date_trunc('week', CAST(local_date AS TIMESTAMP)) AS DATE) AS VARCHAR)"
                }
                SeriesGrain::Month => "substr(CAST(local_date AS VARCHAR), 1, 7)",
                o => {
                    return Err(AppError::bad(
                        "grain",
                        format!("{metric} is by day, week or month, not '{}'", o.name()),
                    ));
                }
            };
            let sql = format!(
                "SELECT {key} AS t, CAST({} AS DOUBLE) AS value FROM messages WHERE {} GROUP BY 1 ORDER BY 1",
                aggregate(),
                kefu_analytics::complaints::message_filter(q)
            );
            s.json_rows(&sql)
                .await?
                .into_iter()
                .map(|r| Point {
                    t: r["t"].as_str().unwrap_or("").to_string(),
                    value: r["value"].as_f64(),
                })
                .collect()
        }
    };
    Ok(SeriesOut {
        metric,
        grain,
        points,
    })
}
