//! The report's sections (volume, response, resolution, satisfaction, conversion),
//! each a few concurrent queries filling disjoint fields of the row bodies, and the
//! breakdown rows they make.

use super::body::{Body, BreakdownRow, DimensionScore, RoundCounts, Within};
use super::sql::{n, rows, table_ok, values};
use crate::fact_batches::{CONVERSATIONS_TABLE, INQUIRIES_TABLE, ROUNDS_TABLE, SURVEYS_TABLE};
use crate::fact_builder::{THREE_MIN_SECS, WITHIN_T, is_overall};
use crate::query::{KpiError, ReportQuery, Result, T};
use crate::stats::{Summary, rate};
use datafusion::prelude::SessionContext;
use kefu_model::config::ThreeMinReading;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The report's breakdown rows alone (`q.by`; none without it): what the dashboard's
/// breakdown view asks, without the overall body and complaints a report adds.
pub async fn breakdown(ctx: &SessionContext, q: &ReportQuery) -> Result<Vec<BreakdownRow>> {
    if q.by.is_none() {
        return Ok(Vec::new());
    }
    Ok(bodies(ctx, q)
        .await?
        .into_iter()
        .map(|(key, body)| BreakdownRow { key, body })
        .collect())
}

/// Section bodies being filled by concurrent queries, keyed by breakdown key.
type Bodies = Mutex<BTreeMap<String, Body>>;

/// Applies `f` to the body of every row's key (one lock for the whole result).
fn fill<V>(out: &Bodies, rows: impl IntoIterator<Item = (String, V)>, f: impl Fn(&mut Body, V)) {
    let mut m = out.lock().unwrap_or_else(|e| e.into_inner());
    for (key, v) in rows {
        f(m.entry(key).or_default(), v);
    }
}

/// Rows whose single key column is taken out of its vector.
fn keyed(rows: Vec<(Vec<String>, Vec<Option<f64>>)>) -> Vec<(String, Vec<Option<f64>>)> {
    rows.into_iter()
        .map(|(mut key, v)| (key.swap_remove(0), v))
        .collect()
}

/// Every section, keyed by the query's breakdown key (`"all"` without one).
pub(crate) async fn bodies(
    ctx: &SessionContext,
    q: &ReportQuery,
) -> Result<BTreeMap<String, Body>> {
    let out: Bodies = Mutex::new(BTreeMap::new());
    futures::try_join!(
        conversation_sections(ctx, q, &out),
        round_sections(ctx, q, &out),
        satisfaction(ctx, q, &out),
        conversion(ctx, q, &out),
    )?;
    let mut out = out.into_inner().unwrap_or_else(|e| e.into_inner());
    for b in out.values_mut() {
        b.response.answer_ratio = rate_f(b.volume.agent_messages, b.volume.customer_messages);
        b.satisfaction.response_rate = rate(b.satisfaction.responses, b.volume.conversations);
    }
    Ok(out)
}

fn rate_f(num: i64, den: i64) -> Option<f64> {
    rate(num, den)
}

async fn conversation_sections(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, CONVERSATIONS_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Conv), q.filter(T::Conv));
    let src = q.src(T::Conv);
    let counts = async {
        let sql = format!(
            "SELECT {k} AS k,
               SUM(CASE WHEN cycle = 0 THEN 1 ELSE 0 END),
               SUM(customer_messages), SUM(agent_messages), SUM(bot_messages),
               SUM(CASE WHEN cycle = 0 AND window_customer THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND not_served THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND resolved THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND resolution_source = 'inferred' THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND one_touch THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND resolved AND (reopened OR repeat_contact) THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND conv_min_sentiment IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND conv_min_sentiment < {neg} THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND conv_final_sentiment < {neg} THEN 1 ELSE 0 END),
               SUM(CASE WHEN cycle = 0 AND complaint THEN 1 ELSE 0 END)
             FROM {src} WHERE {w} GROUP BY 1",
            neg = crate::complaints::NEGATIVE_BELOW
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            let conversations = n(v[0]);
            b.volume.conversations = conversations;
            b.volume.customer_messages = n(v[1]);
            b.volume.agent_messages = n(v[2]);
            b.volume.bot_messages = n(v[3]);
            b.response.not_served_rate = rate(n(v[5]), n(v[4]));
            b.response.not_served_base = n(v[4]);
            let resolved = n(v[6]);
            b.resolution.resolved = resolved;
            b.resolution.rate = rate(resolved, conversations);
            b.resolution.inferred = n(v[7]);
            b.resolution.explicit = resolved - n(v[7]);
            b.resolution.one_touch_rate = rate(n(v[8]), resolved);
            b.resolution.reopen_rate = rate(n(v[9]), resolved);
            let s = &mut b.sentiment;
            s.conversations = n(v[10]);
            s.negative = n(v[11]);
            s.negative_rate = rate(s.negative, s.conversations);
            s.ended_negative = n(v[12]);
            s.ended_negative_rate = rate(s.ended_negative, s.conversations);
            s.complaints = n(v[13]);
            s.complaint_rate = rate(s.complaints, conversations);
        });
        Ok::<_, KpiError>(())
    };
    // 咨询人数: every customer who sent a message in the selected cycles, distinct by
    // grouping on (key, shop, sender): cheaper than COUNT(DISTINCT) over a string.
    let customers = async {
        let senders = crate::query::CUSTOMER_SENDERS;
        let sql = format!(
            "SELECT k, COUNT(*) FROM (
               SELECT k, shop_id, sender FROM (
                 SELECT {k} AS k, shop_id, {senders} AS sender FROM {src} WHERE {w}) s
               WHERE sender IS NOT NULL GROUP BY 1, 2, 3) t
             GROUP BY k"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| b.volume.customers = n(v[0]));
        Ok(())
    };
    let resolution = async {
        let r = values(ctx, &duration_sql(q, Duration::Resolution)).await?;
        fill(out, r, |b, v| b.resolution.time_secs = Summary::of(v));
        Ok(())
    };
    let (fk, fw) = (q.key(T::Frt), q.filter(T::Frt));
    let fsrc = q.src(T::Frt);
    let frt = async {
        let r = values(ctx, &duration_sql(q, Duration::Frt)).await?;
        fill(out, r, |b, v| b.response.frt_secs = Summary::of(v));
        Ok(())
    };
    let unanswered = async {
        let sql = format!(
            "SELECT {fk}, COUNT(*) FROM {fsrc} WHERE {fw} AND frt_answered = false GROUP BY 1"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| b.response.frt_unanswered = n(v[0]));
        Ok(())
    };
    futures::try_join!(counts, customers, resolution, frt, unanswered)?;
    Ok(())
}

async fn round_sections(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, ROUNDS_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Rounds), q.filter(T::Rounds));
    let src = q.src(T::Rounds);
    let col = q.response_col();
    // 3-minute rate: rounds starting inside the window that wait for a human.
    let ok = format!("kind = 'human' AND {col} <= {THREE_MIN_SECS}");
    let counts = async {
        let within: Vec<String> = WITHIN_T
            .iter()
            .map(|(_, t)| {
                format!("SUM(CASE WHEN kind = 'human' AND {col} <= {t} THEN 1 ELSE 0 END)")
            })
            .collect();
        let sql = format!(
            "SELECT {k},
               SUM(CASE WHEN kind = 'human' THEN 1 ELSE 0 END),
               SUM(CASE WHEN kind = 'bot' THEN 1 ELSE 0 END),
               SUM(CASE WHEN kind = 'unanswered' THEN 1 ELSE 0 END),
               SUM(CASE WHEN starts_in_window AND kind <> 'bot' THEN 1 ELSE 0 END),
               SUM(CASE WHEN starts_in_window AND {ok} THEN 1 ELSE 0 END),
               {}
             FROM {src} WHERE {w} GROUP BY 1",
            within.join(", ")
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            let (human, bot, unanswered) = (n(v[0]), n(v[1]), n(v[2]));
            b.response.rounds = RoundCounts {
                human,
                bot,
                unanswered,
            };
            let mut r = [None; 7];
            for (i, slot) in r.iter_mut().enumerate() {
                *slot = rate(n(v[5 + i]), human + unanswered);
            }
            b.response.within = Within::from_rates(r);
            b.response.three_min_rounds = n(v[3]);
            if q.readings.three_min_reading == ThreeMinReading::PerRound {
                b.response.three_min_rate = rate(n(v[4]), n(v[3]));
            }
        });
        Ok::<_, KpiError>(())
    };
    let response = async {
        let r = values(ctx, &duration_sql(q, Duration::Response)).await?;
        fill(out, r, |b, v| b.response.response_secs = Summary::of(v));
        Ok(())
    };
    // Per buyer: (buyers − buyers with any in-window round late or unanswered) / buyers.
    let buyers = async {
        let sql = format!(
            "SELECT k, COUNT(*), SUM(ok) FROM (
               SELECT {k} AS k, shop_id, customer, MIN(CASE WHEN {ok} THEN 1 ELSE 0 END) AS ok
               FROM {src} WHERE {w} AND starts_in_window AND kind <> 'bot'
               GROUP BY 1, 2, 3) t GROUP BY k"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            b.response.three_min_buyers = n(v[0]);
            if q.readings.three_min_reading == ThreeMinReading::PerBuyer {
                b.response.three_min_rate = rate(n(v[1]), n(v[0]));
            }
        });
        Ok(())
    };
    // Did the customer calm down? Human replies to a negative round, and what the
    // customer wrote next (credited to the replying agent).
    let calmed = async {
        let neg = crate::complaints::NEGATIVE_BELOW;
        let sql = format!(
            "SELECT {k},
               SUM(CASE WHEN customer_sentiment < {neg} AND next_sentiment IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN customer_sentiment < {neg} AND next_sentiment >= {neg} THEN 1 ELSE 0 END),
               SUM(next_sentiment), COUNT(next_sentiment)
             FROM {src} WHERE {w} AND kind = 'human' GROUP BY 1"
        );
        let r = keyed(rows(ctx, &sql, 1).await?);
        fill(out, r, |b, v| {
            let s = &mut b.sentiment;
            s.replies_to_negative = n(v[0]);
            s.calmed = n(v[1]);
            s.calmed_rate = rate(s.calmed, s.replies_to_negative);
            let count = n(v[3]);
            s.after_reply_mean = (count > 0).then(|| v[2].unwrap_or(0.0) / count as f64);
        });
        Ok(())
    };
    futures::try_join!(counts, response, buyers, calmed)?;
    Ok(())
}

/// The durations the report summarises and a comparison tests, one value each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    /// Per answered care cycle, credited to the agent who replied (outbound cycles
    /// carry no clock).
    Frt,
    /// Per human round.
    Response,
    /// Per resolved conversation (first care cycle).
    Resolution,
}

/// The query of one duration's values, keyed by the breakdown key: the report's
/// summaries and the comparisons' samples read the same rows.
fn duration_sql(q: &ReportQuery, d: Duration) -> String {
    match d {
        Duration::Frt => {
            let (k, w, src, c) = (q.key(T::Frt), q.filter(T::Frt), q.src(T::Frt), q.frt_col());
            format!("SELECT {k}, {c} FROM {src} WHERE {w} AND frt_answered")
        }
        Duration::Response => {
            let (k, w, src) = (q.key(T::Rounds), q.filter(T::Rounds), q.src(T::Rounds));
            let c = q.response_col();
            format!("SELECT {k}, {c} FROM {src} WHERE {w} AND kind = 'human'")
        }
        Duration::Resolution => {
            let (k, w, src) = (q.key(T::Conv), q.filter(T::Conv), q.src(T::Conv));
            let c = q.resolution_col();
            format!("SELECT {k}, {c} FROM {src} WHERE {w} AND cycle = 0 AND resolved")
        }
    }
}

/// The values of a duration per breakdown key (`"all"` without one): the samples
/// behind `frt_secs`, `response_secs` and `resolution.time_secs`.
pub async fn duration_samples(
    ctx: &SessionContext,
    q: &ReportQuery,
    d: Duration,
) -> Result<BTreeMap<String, Vec<f64>>> {
    let table = match d {
        Duration::Frt | Duration::Resolution => CONVERSATIONS_TABLE,
        Duration::Response => ROUNDS_TABLE,
    };
    if !table_ok(ctx, table) {
        return Ok(BTreeMap::new());
    }
    values(ctx, &duration_sql(q, d)).await
}

#[derive(Default)]
struct Tally {
    n: i64,
    sat: i64,
    dis: i64,
    sum: f64,
}

impl Tally {
    fn add(&mut self, score: f64, count: i64) {
        self.n += count;
        self.sum += score * count as f64;
        if score >= 4.0 {
            self.sat += count;
        }
        if score <= 2.0 {
            self.dis += count;
        }
    }
    fn pct(a: i64, b: i64) -> Option<f64> {
        rate(a, b).map(|r| r * 100.0)
    }
    fn score(&self) -> DimensionScore {
        DimensionScore {
            responses: self.n,
            csat_pct: Self::pct(self.sat, self.n),
            dissatisfied_pct: Self::pct(self.dis, self.n),
            mean: (self.n > 0).then(|| self.sum / self.n as f64),
        }
    }
}

async fn satisfaction(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, SURVEYS_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Surveys), q.filter(T::Surveys));
    let src = q.src(T::Surveys);
    let sql = format!(
        "SELECT {k}, dimension, scale, score, COUNT(*) FROM {src} WHERE {w} GROUP BY 1, 2, 3, 4"
    );
    let mut overall: BTreeMap<String, Tally> = BTreeMap::new();
    let mut dims: BTreeMap<String, BTreeMap<String, Tally>> = BTreeMap::new();
    let mut nps: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut dist: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (key, v) in rows(ctx, &sql, 2).await? {
        let (scale, score, count) = (n(v[0]), v[1].unwrap_or(f64::NAN), n(v[2]));
        let (k, dim) = (key[0].clone(), key[1].clone());
        if scale == 10 {
            let e = nps.entry(k).or_default();
            e.0 += count;
            e.1 += count * (score >= 9.0) as i64;
            e.2 += count * (score <= 6.0) as i64;
            continue;
        }
        dims.entry(k.clone())
            .or_default()
            .entry(dim.clone())
            .or_default()
            .add(score, count);
        if is_overall(&dim) {
            overall.entry(k.clone()).or_default().add(score, count);
            *dist
                .entry(k)
                .or_default()
                .entry(format!("{score}"))
                .or_default() += count;
        }
    }
    let mut out = out.lock().unwrap_or_else(|e| e.into_inner());
    for (k, t) in overall {
        let s = &mut out.entry(k).or_default().satisfaction;
        let d = t.score();
        s.responses = d.responses;
        s.csat_pct = d.csat_pct;
        s.dissatisfied_pct = d.dissatisfied_pct;
        s.mean = d.mean;
    }
    for (k, m) in dist {
        out.entry(k).or_default().satisfaction.distribution = m;
    }
    for (k, m) in dims {
        out.entry(k).or_default().satisfaction.by_dimension =
            m.into_iter().map(|(d, t)| (d, t.score())).collect();
    }
    for (k, (total, pro, det)) in nps {
        let s = &mut out.entry(k).or_default().satisfaction;
        s.nps_responses = total;
        s.nps_promoters = pro;
        s.nps_detractors = det;
        s.nps = (total > 0).then(|| (pro - det) as f64 * 100.0 / total as f64);
    }
    Ok(())
}

async fn conversion(ctx: &SessionContext, q: &ReportQuery, out: &Bodies) -> Result<()> {
    if !table_ok(ctx, INQUIRIES_TABLE) {
        return Ok(());
    }
    let (k, w) = (q.key(T::Inquiries), q.filter(T::Inquiries));
    let src = q.src(T::Inquiries);
    let sql = format!(
        "SELECT {k},
           SUM(CASE WHEN inquiry THEN 1 ELSE 0 END),
           SUM(CASE WHEN converted THEN 1 ELSE 0 END),
           SUM(CASE WHEN converted THEN order_amount ELSE 0 END),
           COUNT(DISTINCT CASE WHEN converted THEN shop_id || '|' || customer END)
         FROM {src} WHERE {w} GROUP BY 1"
    );
    let r = keyed(rows(ctx, &sql, 1).await?);
    fill(out, r, |b, v| {
        let c = &mut b.conversion;
        c.inquiries = n(v[0]);
        c.converted = n(v[1]);
        c.rate = rate(c.converted, c.inquiries);
        c.order_amount = v[2].unwrap_or(0.0);
        c.converted_customers = n(v[3]);
        c.avg_order_value =
            (c.converted_customers > 0).then(|| c.order_amount / c.converted_customers as f64);
    });
    Ok(())
}
