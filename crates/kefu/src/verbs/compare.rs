//! `kefu compare`: is period b different from its baseline, metric by metric, with
//! significance (kefu_app::compare).

use anyhow::Result;
use clap::Args;
use kefu_app::Filters;
use kefu_app::compare::{
    Baseline, CompareSpec, Comparison, MetricChange, Period, parse_span, parse_vs,
};
use std::path::Path;

#[derive(Args)]
pub struct CompareArgs {
    /// The baseline period, FROM..TO (shop-local dates, inclusive).
    #[arg(long, conflicts_with = "vs")]
    pub a: Option<String>,
    /// The period asked about, FROM..TO.
    #[arg(long, required_unless_present_any = ["campaign", "change"])]
    pub b: Option<String>,
    /// A `[[campaigns]]` name: the campaign against the same weekdays of the four
    /// weeks before it, campaign days left out.
    #[arg(long, conflicts_with_all = ["b", "a", "vs", "change"])]
    pub campaign: Option<String>,
    /// A `[[changes]]` name: the days from its date against the days before (and
    /// against the shops or channels without it).
    #[arg(long, conflicts_with_all = ["b", "a", "vs"])]
    pub change: Option<String>,
    /// Days on each side of a change.
    #[arg(long, default_value_t = 14)]
    pub days: i64,
    /// Instead of --a: `previous` (the period of the same length just before, 环比)
    /// or `year` (the same dates a year earlier, 同比).
    #[arg(long)]
    pub vs: Option<String>,
    #[arg(long)]
    pub shop: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    /// The credited agent.
    #[arg(long)]
    pub agent: Option<String>,
    /// Only conversations with this complaint category.
    #[arg(long)]
    pub category: Option<String>,
    /// `start` (default) or `event`.
    #[arg(long)]
    pub cohort: Option<String>,
    /// Read every shop in this timezone instead of its configured one.
    #[arg(long)]
    pub tz: Option<String>,
    /// Also compare each agent, shop, channel, category or product.
    #[arg(long)]
    pub by: Option<kefu_app::Breakdown>,
    /// Significance level (default: the shop's `alpha`, 0.05).
    #[arg(long)]
    pub alpha: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

impl CompareArgs {
    pub fn spec(self) -> Result<CompareSpec> {
        let a = match (&self.a, &self.vs) {
            (Some(a), _) => {
                let (f, t) = parse_span("a", a)?;
                Baseline::Span(f, t)
            }
            (None, Some(v)) => parse_vs(v)?,
            (None, None) => Baseline::Previous,
        };
        Ok(CompareSpec {
            filters: Filters {
                from: None,
                to: None,
                shop: self.shop,
                channel: self.channel,
                agent: self.agent,
                category: self.category,
                cohort: self
                    .cohort
                    .as_deref()
                    .map(kefu_app::filters::parse_cohort)
                    .transpose()?,
                tz: self.tz,
            },
            b: match (&self.campaign, &self.change, &self.b) {
                (Some(c), _, _) => Period::Campaign(c.clone()),
                (None, Some(c), _) => Period::Change {
                    name: c.clone(),
                    days: self.days,
                },
                (None, None, Some(b)) => {
                    let (f, t) = parse_span("b", b)?;
                    Period::Span(f, t)
                }
                (None, None, None) => anyhow::bail!("b: give --b FROM..TO, --campaign or --change"),
            },
            a,
            by: self.by,
            alpha: self.alpha,
        })
    }
}

pub async fn compare(dir: &Path, a: CompareArgs) -> Result<()> {
    let json = a.json;
    let spec = a.spec()?;
    let app = super::open_current(dir).await?;
    let c = app.compare(&spec).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        print!("{}", render(&c));
    }
    Ok(())
}

fn span(s: &kefu_app::compare::Span) -> String {
    match (s.from, s.to) {
        (Some(f), Some(t)) => format!("{f}..{t}"),
        _ => "all dates".into(),
    }
}

/// The comparison as text: the sentence of every metric, significant ones first
/// marked; then one line per breakdown key with its significant changes.
pub fn render(c: &Comparison) -> String {
    let mut s = format!(
        "Comparison: b {} vs a {} (alpha {}, Benjamini–Hochberg across {} metrics)\n\n",
        span(&c.b),
        span(&c.a),
        c.alpha,
        c.metrics.len()
    );
    let mark = |m: &MetricChange| match m.verdict {
        Some("better") => "▲",
        Some("worse") => "▼",
        Some(_) => "•",
        None => " ",
    };
    for m in &c.metrics {
        s.push_str(&format!("{} {}\n", mark(m), m.summary));
    }
    if let Some(d) = &c.did {
        s.push_str(&format!(
            "\nDifference-in-differences against {}:\n",
            d.control
        ));
        for m in &d.metrics {
            s.push_str(&format!(
                "{} {}\n",
                if m.significant { "*" } else { " " },
                m.summary
            ));
        }
    }
    if let Some(by) = c.by {
        s.push_str(&format!(
            "\nBy {}: significant changes (b vs a)\n",
            serde_json::to_value(by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        ));
        for k in &c.breakdown {
            let sig: Vec<String> = k
                .metrics
                .iter()
                .filter(|m| m.significant)
                .map(|m| format!("{} {}", mark(m), m.summary))
                .collect();
            if sig.is_empty() {
                s.push_str(&format!("  {}: no significant change\n", k.key));
            } else {
                s.push_str(&format!("  {}:\n", k.key));
                for l in sig {
                    s.push_str(&format!("    {l}\n"));
                }
            }
        }
    }
    s
}

#[derive(Args)]
pub struct DriversArgs {
    /// satisfied (default), dissatisfied, resolved or converted.
    #[arg(long, default_value = "satisfied")]
    pub outcome: String,
    /// Terms or families, comma-separated (frt_minutes, response_minutes, rounds,
    /// resolved, transfers, bot_handoff, category, sentiment_min, agent, shop,
    /// hour_band; `category:logistics` for one level). Default: all.
    #[arg(long, value_delimiter = ',')]
    pub terms: Vec<String>,
    #[command(flatten)]
    pub filters: super::report::FilterArgs,
    /// Significance level (default: the shop's `alpha`, 0.05).
    #[arg(long)]
    pub alpha: Option<f64>,
    #[arg(long)]
    pub json: bool,
}

pub async fn drivers(dir: &Path, a: DriversArgs) -> Result<()> {
    let outcome: kefu_app::compare::Outcome = a
        .outcome
        .parse()
        .map_err(|e: String| anyhow::anyhow!("outcome: {e}"))?;
    let f = a.filters.filters()?;
    let terms: Vec<String> = a
        .terms
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let app = super::open_current(dir).await?;
    let d = app.drivers(&f, outcome, terms, a.alpha).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(());
    }
    let mut s = format!(
        "Drivers of {} ({} conversations, {} with the outcome; McFadden pseudo-R² {:.3})\n",
        serde_json::to_value(d.outcome)?
            .as_str()
            .unwrap_or_default(),
        d.n,
        d.events,
        d.pseudo_r2
    );
    if !d.reference_levels.is_empty() {
        let refs: Vec<String> = d
            .reference_levels
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        s.push_str(&format!("reference levels: {}\n", refs.join(", ")));
    }
    s.push_str("\nWhat explains most (deviance of each family):\n");
    for f in &d.drivers {
        s.push_str(&format!("  {}\n", f.summary));
    }
    s.push_str("\nEach term (odds ratio, interval, p):\n");
    let mut terms: Vec<_> = d.terms.iter().collect();
    terms.sort_by(|x, y| x.p_value.total_cmp(&y.p_value));
    for t in terms {
        s.push_str(&format!(
            "  {} {}\n",
            if t.significant { "*" } else { " " },
            t.summary
        ));
    }
    for t in &d.dropped {
        s.push_str(&format!("  left out: {} — {}\n", t.term, t.reason));
    }
    print!("{s}");
    Ok(())
}
