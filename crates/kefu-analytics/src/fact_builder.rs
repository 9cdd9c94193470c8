//! The facts builder: one pass over one group's messages, sorted by time.
//!
//! A group is one shop × one customer (`customer_id`, or the conversation id when the
//! customer is unknown). Repeat contact, inferred resolution and conversion look across
//! the conversations of a customer, so the group is the unit of recomputation: the
//! facts of a group depend only on its messages, orders and surveys, whatever order
//! they arrive in.

use crate::FactError;
use crate::facts::*;
use crate::window::{ShopClock, secs};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kefu_model::config::{ConversionEvent, CsatAttribution, RoundStart};
use kefu_model::{MessageKind, MessageRecord, OrderRecord, Sender, ShopConfig, SurveyRecord};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};

/// The within-T buckets of METRICS.md, in seconds, with their report labels.
pub const WITHIN_T: [(&str, f64); 7] = [
    ("30s", 30.0),
    ("1m", 60.0),
    ("3m", 180.0),
    ("5m", 300.0),
    ("10m", 600.0),
    ("30m", 1800.0),
    ("1h", 3600.0),
];

/// The 3-minute human reply rate's limit (飞鸽).
pub const THREE_MIN_SECS: f64 = 180.0;

/// The customer a message belongs to: its `customer_id`, or its conversation id.
pub fn group_customer(m: &MessageRecord) -> &str {
    m.customer_id.as_deref().unwrap_or(&m.conversation_id)
}

/// What a message means for the metric rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Customer,
    /// METRICS.md human reply: sender agent, kind not greeting/auto_reply/system.
    Human,
    Bot,
    /// A bot's welcome line: counted as a bot message, closes no round (METRICS.md:
    /// greetings never stop a clock).
    BotGreeting,
    /// Agent greeting or auto-reply: never stops a human clock.
    Auto,
    System,
    /// Status events (any sender): not messages, never replies.
    Transfer,
    Resolve,
    Reopen,
}

fn classify(m: &MessageRecord) -> Class {
    classify_parts(m.sender, &m.kind)
}

fn classify_parts(sender: Sender, kind: &MessageKind) -> Class {
    match kind {
        MessageKind::Transfer => return Class::Transfer,
        MessageKind::Resolve => return Class::Resolve,
        MessageKind::Reopen => return Class::Reopen,
        _ => {}
    }
    match sender {
        Sender::Customer => Class::Customer,
        Sender::Bot => match kind {
            MessageKind::Greeting => Class::BotGreeting,
            _ => Class::Bot,
        },
        Sender::System => Class::System,
        Sender::Agent => match kind {
            MessageKind::Greeting | MessageKind::AutoReply => Class::Auto,
            MessageKind::Other(k) if k == "system" => Class::System,
            _ => Class::Human,
        },
    }
}

/// Ties at one instant: a reopen opens its cycle first, then customer messages,
/// then replies (a reply stamped the same second answers the question); then id.
fn tie_rank(m: &MessageRecord) -> u8 {
    tie_rank_of(m.sender, &m.kind)
}

fn tie_rank_of(sender: Sender, kind: &MessageKind) -> u8 {
    match classify_parts(sender, kind) {
        Class::Reopen => 0,
        Class::Customer => 1,
        _ => 2,
    }
}

/// The rest of a message, for the rare tie on time, rank and id (a duplicate id).
fn tie_break(m: &MessageRecord) -> impl Ord + '_ {
    (
        (
            &m.conversation_id,
            &m.customer_id,
            &m.agent_id,
            m.kind.as_str(),
        ),
        (&m.product_id, &m.order_id, &m.source_file, m.source_row),
    )
}

/// The rank [`build_all`] orders messages of one instant by, public so a store can
/// plan groups from a narrow scan: a conversation belongs to the customer of its
/// earliest message naming one, by (time, this rank, message id, customer id).
pub fn naming_rank(sender: Sender, kind: &MessageKind) -> u8 {
    tie_rank_of(sender, kind)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoundKind {
    Human,
    Bot,
    Unanswered,
}

impl RoundKind {
    fn as_str(self) -> &'static str {
        match self {
            RoundKind::Human => "human",
            RoundKind::Bot => "bot",
            RoundKind::Unanswered => "unanswered",
        }
    }
}

#[derive(Debug, Clone)]
struct Round {
    start: DateTime<Utc>,
    last: DateTime<Utc>,
    n: i64,
    kind: RoundKind,
    reply_ts: Option<DateTime<Utc>>,
    agent: Option<String>,
    /// Sentiment of the round's first customer message, and the lowest of its
    /// messages (kefu-text's score; None when none was read).
    first_sentiment: Option<f64>,
    min_sentiment: Option<f64>,
}

/// What one walk over a cycle's messages finds.
#[derive(Debug, Default)]
struct CycleWalk {
    rounds: Vec<Round>,
    /// Human replies (ts, agent) in order.
    human: Vec<(DateTime<Utc>, Option<String>)>,
    /// Transfer events not sent by an agent: hand-offs to a human.
    to_human: Vec<DateTime<Utc>>,
    transfers: i64,
    agent_switches: i64,
    resolves: Vec<DateTime<Utc>>,
    reopens: Vec<DateTime<Utc>>,
    /// The first customer message or human reply decides "outbound".
    first_substantive: Option<Class>,
    customer_ts: Vec<DateTime<Utc>>,
    customer_messages: i64,
    bot_messages: i64,
    auto_messages: i64,
    system_messages: i64,
}

fn walk(msgs: &[&MessageRecord]) -> CycleWalk {
    let mut w = CycleWalk::default();
    let mut open: Option<Round> = None;
    let mut serving: Option<String> = None;
    let mut last_replier: Option<Option<String>> = None;
    for m in msgs {
        let c = classify(m);
        match c {
            Class::Customer => {
                w.customer_messages += 1;
                w.customer_ts.push(m.ts);
                w.first_substantive.get_or_insert(Class::Customer);
                match &mut open {
                    Some(r) => {
                        r.last = m.ts;
                        r.n += 1;
                        r.min_sentiment = min_opt(r.min_sentiment, sentiment_of(m));
                    }
                    None => {
                        open = Some(Round {
                            start: m.ts,
                            last: m.ts,
                            n: 1,
                            kind: RoundKind::Unanswered,
                            reply_ts: None,
                            // An unanswered round is credited to whoever was serving.
                            agent: serving.clone(),
                            first_sentiment: sentiment_of(m),
                            min_sentiment: sentiment_of(m),
                        })
                    }
                }
            }
            Class::Human => {
                w.first_substantive.get_or_insert(Class::Human);
                w.human.push((m.ts, m.agent_id.clone()));
                if let Some(prev) = &last_replier
                    && *prev != m.agent_id
                {
                    w.agent_switches += 1;
                }
                last_replier = Some(m.agent_id.clone());
                serving = m.agent_id.clone();
                if let Some(mut r) = open.take() {
                    r.kind = RoundKind::Human;
                    r.reply_ts = Some(m.ts);
                    r.agent = m.agent_id.clone();
                    w.rounds.push(r);
                }
            }
            Class::Bot => {
                w.bot_messages += 1;
                if let Some(mut r) = open.take() {
                    r.kind = RoundKind::Bot;
                    r.reply_ts = Some(m.ts);
                    r.agent = None;
                    w.rounds.push(r);
                }
            }
            Class::BotGreeting => w.bot_messages += 1,
            Class::Auto => w.auto_messages += 1,
            Class::System => w.system_messages += 1,
            Class::Transfer => {
                w.transfers += 1;
                if m.sender != Sender::Agent {
                    w.to_human.push(m.ts);
                }
            }
            Class::Resolve => w.resolves.push(m.ts),
            Class::Reopen => w.reopens.push(m.ts),
        }
    }
    if let Some(r) = open.take() {
        w.rounds.push(r);
    }
    w
}

/// kefu-text's catch-all category (`kefu_text::categories::OTHER`; the facts
/// build without kefu-text, and a test in `complaints` keeps the two equal).
pub const OTHER_CATEGORY: &str = "other";
/// kefu-text's negative threshold (`kefu_text::sentiment::NEGATIVE_BELOW`).
pub const NEGATIVE_SENTIMENT_BELOW: f64 = 0.4_f32 as f64;

/// A customer message's sentiment score, when kefu-text read it.
fn sentiment_of(m: &MessageRecord) -> Option<f64> {
    m.sentiment.filter(|s| s.is_finite()).map(f64::from)
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Conversation sentiment (METRICS.md): the minimum and the final (last read)
/// sentiment over the customer messages of `msgs`.
fn sentiment_min_final(msgs: &[&MessageRecord]) -> (Option<f64>, Option<f64>) {
    let mut min = None;
    let mut last = None;
    for m in msgs.iter().filter(|m| m.sender == Sender::Customer) {
        if let Some(s) = sentiment_of(m) {
            min = min_opt(min, Some(s));
            last = Some(s);
        }
    }
    (min, last)
}

/// Primary category (METRICS.md): the most frequent non-`other` label over the
/// customer messages, ties to the label that appeared first; `other` when the
/// messages carry only `other`; None when none carries a label.
fn primary_category(msgs: &[&MessageRecord]) -> Option<String> {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut any = false;
    let mut order = 0usize;
    for m in msgs.iter().filter(|m| m.sender == Sender::Customer) {
        for l in &m.categories {
            any = true;
            if l == OTHER_CATEGORY {
                continue;
            }
            let e = counts.entry(l.as_str()).or_insert((0, order));
            e.0 += 1;
            order += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|(l, _)| l.to_string())
        .or_else(|| any.then(|| OTHER_CATEGORY.to_string()))
}

/// Complaint categories of a conversation's messages, sorted and comma-separated.
fn categories_of(msgs: &[&MessageRecord]) -> Option<String> {
    let set: BTreeSet<String> = msgs
        .iter()
        .flat_map(|m| m.categories.iter().cloned())
        .collect();
    join_sorted(&set)
}

fn join_sorted(set: &BTreeSet<String>) -> Option<String> {
    (!set.is_empty()).then(|| set.iter().cloned().collect::<Vec<_>>().join(","))
}

/// Per-conversation state kept while the group is assembled.
struct Conv<'a> {
    id: String,
    msgs: Vec<&'a MessageRecord>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    first_customer: Option<DateTime<Utc>>,
    cycles: Vec<(Vec<&'a MessageRecord>, CycleWalk)>,
    last_agent: Option<String>,
    agents: BTreeSet<String>,
}

/// Picks one row per order id: a re-export may repeat an order with a new status; the
/// row with a payment, then the latest, wins (deterministic whatever the input order).
fn dedupe_orders<'a>(
    orders: &'a [OrderRecord],
    shop: &str,
    customer: Option<&str>,
) -> Vec<&'a OrderRecord> {
    let Some(customer) = customer else {
        return Vec::new();
    };
    let mut best: BTreeMap<&str, &OrderRecord> = BTreeMap::new();
    for o in orders {
        if o.shop_id != shop || o.customer_id.as_deref() != Some(customer) {
            continue;
        }
        let rank = |o: &OrderRecord| {
            (
                o.paid_at.is_some(),
                o.created_at,
                o.paid_at,
                o.source_file.clone(),
                o.source_row,
            )
        };
        match best.get(o.order_id.as_str()) {
            Some(b) if rank(b) >= rank(o) => {}
            _ => {
                best.insert(o.order_id.as_str(), o);
            }
        }
    }
    best.into_values().collect()
}

/// Builds every fact of one group: the messages of one shop × customer (any order;
/// they are sorted here), that customer's orders in the shop and the surveys matched
/// to the group by conversation id or customer id.
pub fn build_group(
    msgs: &[MessageRecord],
    orders: &[OrderRecord],
    surveys: &[SurveyRecord],
    cfg: &ShopConfig,
) -> Result<GroupFacts, FactError> {
    Ok(build_group_with(
        msgs,
        orders,
        surveys,
        cfg,
        &ShopClock::new(cfg)?,
    ))
}

/// [`build_group`] with the shop's clock made once (`ShopClock::new(cfg)`), for a
/// store that streams many groups of one shop.
pub fn build_group_with(
    msgs: &[MessageRecord],
    orders: &[OrderRecord],
    surveys: &[SurveyRecord],
    cfg: &ShopConfig,
    clock: &ShopClock,
) -> GroupFacts {
    build_group_refs(msgs.iter().collect(), orders, surveys, cfg, clock)
}

/// [`build_group_with`] over borrowed messages, so [`build_all`] splits a load into
/// groups without copying it.
fn build_group_refs(
    mut sorted: Vec<&MessageRecord>,
    orders: &[OrderRecord],
    surveys: &[SurveyRecord],
    cfg: &ShopConfig,
    clock: &ShopClock,
) -> GroupFacts {
    let mut out = GroupFacts::default();

    // Customer spam (ads, contact swapping) is no conversation with the shop: left
    // out of every fact unless the shop counts it.
    if !cfg.include_spam {
        sorted.retain(|m| !(m.sender == Sender::Customer && m.spam == Some(true)));
    }
    if sorted.is_empty() {
        return out;
    }

    // Sort and drop exact duplicate message ids (an overlapping re-ingest). The rest
    // of a row breaks ties, so the order never depends on the input's.
    sorted.sort_by(|a, b| {
        (a.ts, tie_rank(a), &a.message_id)
            .cmp(&(b.ts, tie_rank(b), &b.message_id))
            .then_with(|| tie_break(a).cmp(&tie_break(b)))
    });
    let mut seen = BTreeSet::new();
    sorted.retain(|m| seen.insert(m.message_id.as_str()));

    let Some(first) = sorted.first() else {
        out.surveys = survey_facts(&[], surveys, cfg, clock, None);
        return out;
    };
    let shop = first.shop_id.clone();
    // Any message's customer id names the group (agent rows may lack it).
    let customer_id = sorted.iter().find_map(|m| m.customer_id.clone());
    let customer = customer_id
        .clone()
        .unwrap_or_else(|| first.conversation_id.clone());

    // Conversations, ordered by their first message.
    let mut by_id: BTreeMap<&str, Vec<&MessageRecord>> = BTreeMap::new();
    for m in &sorted {
        by_id.entry(m.conversation_id.as_str()).or_default().push(m);
    }
    let mut convs: Vec<Conv> = by_id
        .into_iter()
        .map(|(id, msgs)| {
            let mut cycles: Vec<Vec<&MessageRecord>> = vec![Vec::new()];
            for m in &msgs {
                if classify(m) == Class::Reopen && !cycles.last().is_some_and(Vec::is_empty) {
                    cycles.push(Vec::new());
                }
                cycles.last_mut().expect("one cycle").push(*m);
            }
            let cycles: Vec<_> = cycles
                .into_iter()
                .map(|c| {
                    let w = walk(&c);
                    (c, w)
                })
                .collect();
            let mut agents = BTreeSet::new();
            let mut last_agent = None;
            for (_, w) in &cycles {
                for a in w.human.iter().filter_map(|(_, a)| a.as_ref()) {
                    agents.insert(a.clone());
                    last_agent = Some(a.clone());
                }
            }
            Conv {
                id: id.to_string(),
                start: msgs[0].ts,
                end: msgs[msgs.len() - 1].ts,
                first_customer: msgs
                    .iter()
                    .find(|m| classify(m) == Class::Customer)
                    .map(|m| m.ts),
                msgs,
                cycles,
                last_agent,
                agents,
            }
        })
        .collect();
    convs.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));

    // Conversion first: conversation rows carry whether their days converted.
    let orders = dedupe_orders(orders, &shop, customer_id.as_deref());
    out.inquiries = inquiries(
        &sorted,
        &orders,
        cfg,
        clock,
        &shop,
        &customer,
        customer_id.as_deref(),
    );
    let inquiry_by_day: BTreeMap<NaiveDate, &InquiryFact> =
        out.inquiries.iter().map(|i| (i.local_date, i)).collect();

    // Surveys: by conversation id, else the customer's latest conversation started
    // at or before the survey.
    let matched = survey_facts(&convs, surveys, cfg, clock, Some(&customer));

    let window = Duration::microseconds((cfg.repeat_window_secs as f64 * 1e6) as i64);
    // Customer contact after instant `t` by a conversation that started later.
    let contact_within = |ci: usize, t: DateTime<Utc>| {
        convs.iter().enumerate().any(|(j, c)| {
            j != ci
                && (c.start, &c.id) > (convs[ci].start, &convs[ci].id)
                && c.first_customer.is_some_and(|f| f > t && f - t <= window)
        })
    };

    for (ci, conv) in convs.iter().enumerate() {
        let conv_local_date = clock.local_date(conv.start);
        let all_resolves: Vec<DateTime<Utc>> = conv
            .cycles
            .iter()
            .flat_map(|(_, w)| w.resolves.iter().copied())
            .collect();
        let all_reopens: Vec<DateTime<Utc>> = conv
            .cycles
            .iter()
            .flat_map(|(_, w)| w.reopens.iter().copied())
            .collect();
        let explicit = !all_resolves.is_empty() || !all_reopens.is_empty();
        let human_rounds_total: i64 = conv
            .cycles
            .iter()
            .map(|(_, w)| {
                w.rounds
                    .iter()
                    .filter(|r| r.kind == RoundKind::Human)
                    .count() as i64
            })
            .sum();

        // Resolution (METRICS.md): explicit events when the conversation has status
        // events, else inferred from an answered last round and a quiet repeat window.
        let (resolved, source, first_res, final_res) = if explicit {
            match (all_resolves.first(), all_resolves.last()) {
                (Some(f), Some(l)) => (true, Some("explicit"), Some(*f), Some(*l)),
                _ => (false, None, None, None),
            }
        } else {
            let last_answered = conv
                .cycles
                .last()
                .and_then(|(_, w)| w.rounds.last())
                .is_some_and(|r| r.kind != RoundKind::Unanswered);
            if last_answered && !contact_within(ci, conv.end) {
                (true, Some("inferred"), Some(conv.end), Some(conv.end))
            } else {
                (false, None, None, None)
            }
        };
        let reopened = first_res.is_some_and(|f| all_reopens.iter().any(|r| *r > f));
        let repeat_contact = final_res.is_some_and(|t| contact_within(ci, t));
        let one_touch = resolved && human_rounds_total == 1 && !reopened && !repeat_contact;

        let window_customer = conv
            .msgs
            .iter()
            .any(|m| classify(m) == Class::Customer && clock.in_window(m.ts));
        let any_human = conv.cycles.iter().any(|(_, w)| !w.human.is_empty());
        let not_served = window_customer && !any_human;

        let mut products = BTreeSet::new();
        for m in &conv.msgs {
            if let Some(p) = &m.product_id {
                products.insert(p.clone());
            }
        }
        let product_ids = join_sorted(&products);

        let conv_surveys: Vec<&SurveyFact> = matched
            .iter()
            .filter(|s| s.is_primary && s.conversation_id.as_deref() == Some(conv.id.as_str()))
            .collect();
        let latest = |pred: &dyn Fn(&SurveyFact) -> bool| {
            conv_surveys
                .iter()
                .filter(|s| pred(s))
                .max_by(|a, b| (a.ts, &a.survey_id).cmp(&(b.ts, &b.survey_id)))
                .map(|s| s.score)
        };
        let csat_score = latest(&|s| s.scale != 10 && is_overall(&s.dimension));
        let nps_score = latest(&|s| s.scale == 10);

        let days: BTreeSet<NaiveDate> = conv
            .msgs
            .iter()
            .filter(|m| classify(m) == Class::Customer)
            .map(|m| clock.local_date(m.ts))
            .collect();
        let inquiry = days
            .iter()
            .any(|d| inquiry_by_day.get(d).is_some_and(|i| i.inquiry));
        let converted = days
            .iter()
            .any(|d| inquiry_by_day.get(d).is_some_and(|i| i.converted));

        let primary = primary_category(&conv.msgs);
        let (conv_min, conv_final) = sentiment_min_final(&conv.msgs);
        let complaint = conv_min.is_some_and(|s| s < NEGATIVE_SENTIMENT_BELOW)
            || primary.as_deref().is_some_and(|p| p != OTHER_CATEGORY);

        let first_msg = conv.msgs[0];
        for (k, (cmsgs, w)) in conv.cycles.iter().enumerate() {
            let (cycle_min, cycle_final) = sentiment_min_final(cmsgs);
            let cstart = cmsgs[0].ts;
            let cend = cmsgs[cmsgs.len() - 1].ts;
            let outbound = w.first_substantive == Some(Class::Human);

            // Human clock (METRICS.md): a transfer-to-human before the first human
            // reply restarts it; otherwise the first round a bot did not close.
            let first_human_ts = w.human.first().map(|h| h.0);
            let transfer = w
                .to_human
                .iter()
                .copied()
                .rfind(|t| first_human_ts.is_none_or(|h| *t <= h));
            let clock_ts = if outbound {
                None
            } else {
                transfer.or_else(|| {
                    w.rounds
                        .iter()
                        .find(|r| r.kind != RoundKind::Bot)
                        .map(|r| r.start)
                })
            };
            let reply = clock_ts.and_then(|c| w.human.iter().find(|(t, _)| *t >= c).cloned());
            let frt_secs = clock_ts.zip(reply.as_ref()).map(|(c, (r, _))| secs(c, *r));
            let frt_business_secs = clock_ts
                .zip(reply.as_ref())
                .map(|(c, (r, _))| clock.business_secs(c, *r));

            let agents: BTreeSet<String> = w.human.iter().filter_map(|(_, a)| a.clone()).collect();
            let senders: BTreeSet<String> = cmsgs
                .iter()
                .filter(|m| m.sender == Sender::Customer)
                .map(|m| group_customer(m).to_string())
                .collect();
            let first_agent = w.human.iter().find_map(|(_, a)| a.clone());
            let last_agent = w.human.iter().rev().find_map(|(_, a)| a.clone());

            let mut window_rounds = 0;
            let mut three_min_rounds = 0;
            for (ri, r) in w.rounds.iter().enumerate() {
                let mut rf = round_fact(conv, k, ri, r, cfg, clock, &shop, &customer);
                // What the customer wrote next, after this round's human reply.
                if r.kind == RoundKind::Human {
                    rf.next_sentiment = w.rounds.get(ri + 1).and_then(|n| n.first_sentiment);
                }
                if let Some(ok) = rf.three_min_ok {
                    window_rounds += 1;
                    three_min_rounds += ok as i64;
                }
                out.rounds.push(rf);
            }
            let cycle_resolved_at = if explicit {
                w.resolves.first().copied()
            } else if k + 1 == conv.cycles.len() {
                first_res
            } else {
                None
            };

            out.conversations.push(ConversationFact {
                shop_id: shop.clone(),
                conversation_id: conv.id.clone(),
                cycle: k as i32,
                cycles: conv.cycles.len() as i32,
                platform: first_msg.platform.clone(),
                channel: first_msg.channel.clone(),
                customer: customer.clone(),
                customer_id: customer_id.clone(),
                conv_start_ts: conv.start,
                conv_local_date,
                start_ts: cstart,
                end_ts: cend,
                local_date: clock.local_date(cstart),
                local_hour: clock.local_hour(cstart),
                weekday: clock.weekday(cstart),
                agents: join_sorted(&agents),
                customer_senders: join_sorted(&senders),
                first_agent,
                last_agent,
                conv_last_agent: conv.last_agent.clone(),
                outbound,
                human_clock_ts: clock_ts,
                first_reply_ts: reply.as_ref().map(|r| r.0),
                frt_secs,
                frt_business_secs,
                frt_agent: reply.as_ref().and_then(|r| r.1.clone()),
                frt_answered: clock_ts.map(|_| reply.is_some()),
                human_rounds: w
                    .rounds
                    .iter()
                    .filter(|r| r.kind == RoundKind::Human)
                    .count() as i64,
                bot_rounds: w.rounds.iter().filter(|r| r.kind == RoundKind::Bot).count() as i64,
                unanswered_rounds: w
                    .rounds
                    .iter()
                    .filter(|r| r.kind == RoundKind::Unanswered)
                    .count() as i64,
                window_rounds,
                three_min_rounds,
                three_min_buyer_ok: (window_rounds > 0)
                    .then_some(window_rounds == three_min_rounds),
                window_customer,
                not_served,
                transfers: w.transfers,
                agent_switches: w.agent_switches,
                resolved,
                resolution_source: source.map(str::to_string),
                resolved_at: first_res,
                resolution_secs: first_res.map(|t| secs(conv.start, t)),
                resolution_business_secs: first_res.map(|t| clock.business_secs(conv.start, t)),
                full_resolution_secs: final_res.map(|t| secs(conv.start, t)),
                reopened,
                repeat_contact,
                one_touch,
                cycle_resolved_at,
                cycle_resolution_secs: cycle_resolved_at.map(|t| secs(cstart, t)),
                surveys: conv_surveys.len() as i64,
                csat_score,
                nps_score,
                inquiry,
                converted,
                product_ids: product_ids.clone(),
                categories: categories_of(&conv.msgs),
                primary_category: primary.clone(),
                complaint,
                min_sentiment: cycle_min,
                final_sentiment: cycle_final,
                conv_min_sentiment: conv_min,
                conv_final_sentiment: conv_final,
                customer_messages: w.customer_messages,
                agent_messages: w.human.len() as i64,
                bot_messages: w.bot_messages,
                auto_messages: w.auto_messages,
                system_messages: w.system_messages,
            });
        }
    }
    out.surveys = matched;
    out
}

#[allow(clippy::too_many_arguments)]
fn round_fact(
    conv: &Conv,
    cycle: usize,
    idx: usize,
    r: &Round,
    cfg: &ShopConfig,
    clock: &ShopClock,
    shop: &str,
    customer: &str,
) -> RoundFact {
    let first = conv.msgs[0];
    let answered = r.kind != RoundKind::Unanswered;
    let rs = |from: DateTime<Utc>| r.reply_ts.filter(|_| answered).map(|t| secs(from, t));
    let bs = |from: DateTime<Utc>| {
        r.reply_ts
            .filter(|_| answered)
            .map(|t| clock.business_secs(from, t))
    };
    let (first_s, last_s) = (rs(r.start), rs(r.last));
    let (first_b, last_b) = (bs(r.start), bs(r.last));
    let response_secs = match (cfg.round_start, cfg.business_hours) {
        (RoundStart::First, false) => first_s,
        (RoundStart::Last, false) => last_s,
        (RoundStart::First, true) => first_b,
        (RoundStart::Last, true) => last_b,
    };
    let within = |limit: f64| match r.kind {
        RoundKind::Bot => None,
        RoundKind::Unanswered => Some(false),
        RoundKind::Human => Some(response_secs.is_some_and(|s| s <= limit)),
    };
    let starts_in_window = clock.in_window(r.start);
    RoundFact {
        shop_id: shop.to_string(),
        conversation_id: conv.id.clone(),
        cycle: cycle as i32,
        round: idx as i32,
        platform: first.platform.clone(),
        channel: first.channel.clone(),
        customer: customer.to_string(),
        conv_start_ts: conv.start,
        conv_local_date: clock.local_date(conv.start),
        start_ts: r.start,
        last_customer_ts: r.last,
        local_date: clock.local_date(r.start),
        local_hour: clock.local_hour(r.start),
        kind: r.kind.as_str().to_string(),
        reply_ts: r.reply_ts,
        agent_id: r.agent.clone(),
        customer_messages: r.n,
        response_secs,
        response_secs_first: first_s,
        response_secs_last: last_s,
        business_secs_first: first_b,
        business_secs_last: last_b,
        within_30s: within(WITHIN_T[0].1),
        within_1m: within(WITHIN_T[1].1),
        within_3m: within(WITHIN_T[2].1),
        within_5m: within(WITHIN_T[3].1),
        within_10m: within(WITHIN_T[4].1),
        within_30m: within(WITHIN_T[5].1),
        within_1h: within(WITHIN_T[6].1),
        starts_in_window,
        three_min_ok: (starts_in_window && r.kind != RoundKind::Bot)
            .then(|| within(THREE_MIN_SECS) == Some(true)),
        categories: categories_of(&conv.msgs),
        customer_sentiment: r.min_sentiment,
        next_sentiment: None,
    }
}

/// The headline CSAT takes the overall dimension (or an unnamed one).
pub fn is_overall(dimension: &str) -> bool {
    let d = dimension.trim().to_ascii_lowercase();
    d.is_empty() || d == "overall" || d == "总体" || d == "整体"
}

fn survey_facts(
    convs: &[Conv],
    surveys: &[SurveyRecord],
    cfg: &ShopConfig,
    clock: &ShopClock,
    group_customer: Option<&str>,
) -> Vec<SurveyFact> {
    let mut sorted: Vec<&SurveyRecord> = surveys.iter().collect();
    sorted.sort_by(|a, b| (a.ts, &a.survey_id).cmp(&(b.ts, &b.survey_id)));
    let mut seen = BTreeSet::new();
    sorted.retain(|s| seen.insert((s.shop_id.as_str(), s.survey_id.as_str())));
    let mut out = Vec::new();
    for s in sorted {
        let conv = s
            .conversation_id
            .as_deref()
            .and_then(|id| convs.iter().find(|c| c.id == id))
            .or_else(|| {
                convs
                    .iter()
                    .filter(|c| c.start <= s.ts)
                    .max_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)))
            });
        let credited: Vec<Option<String>> = match (cfg.csat_attribution, conv) {
            (CsatAttribution::AllAgents, Some(c)) if !c.agents.is_empty() => {
                c.agents.iter().cloned().map(Some).collect()
            }
            (_, Some(c)) if c.last_agent.is_some() => vec![c.last_agent.clone()],
            _ => vec![s.agent_id.clone()],
        };
        let customer = group_customer
            .map(str::to_string)
            .or_else(|| s.customer_id.clone())
            .or_else(|| s.conversation_id.clone())
            .unwrap_or_default();
        let (sat, dis, pro, det) = if s.scale == 10 {
            (None, None, Some(s.score >= 9.0), Some(s.score <= 6.0))
        } else {
            (Some(s.score >= 4.0), Some(s.score <= 2.0), None, None)
        };
        let local_date = clock.local_date(s.ts);
        for (i, agent) in credited.into_iter().enumerate() {
            out.push(SurveyFact {
                shop_id: s.shop_id.clone(),
                survey_id: s.survey_id.clone(),
                agent_id: agent,
                is_primary: i == 0,
                conversation_id: conv.map(|c| c.id.clone()),
                customer: customer.clone(),
                platform: conv.map(|c| c.msgs[0].platform.clone()),
                channel: conv.map(|c| c.msgs[0].channel.clone()),
                ts: s.ts,
                local_date,
                local_hour: clock.local_hour(s.ts),
                conv_local_date: conv
                    .map(|c| clock.local_date(c.start))
                    .unwrap_or(local_date),
                dimension: s.dimension.clone(),
                scale: s.scale,
                score: s.score,
                satisfied: sat,
                dissatisfied: dis,
                promoter: pro,
                detractor: det,
                categories: conv.and_then(|c| categories_of(&c.msgs)),
            });
        }
    }
    out
}

/// 询单 units (METRICS.md 询单转化): one per shop-local day with a customer message.
fn inquiries(
    sorted: &[&MessageRecord],
    orders: &[&OrderRecord],
    cfg: &ShopConfig,
    clock: &ShopClock,
    shop: &str,
    customer: &str,
    customer_id: Option<&str>,
) -> Vec<InquiryFact> {
    struct Day<'a> {
        first: &'a MessageRecord,
        convs: BTreeSet<&'a str>,
    }
    let mut days: BTreeMap<NaiveDate, Day> = BTreeMap::new();
    for m in sorted.iter().filter(|m| classify(m) == Class::Customer) {
        let d = days.entry(clock.local_date(m.ts)).or_insert(Day {
            first: m,
            convs: BTreeSet::new(),
        });
        d.convs.insert(m.conversation_id.as_str());
    }
    let human: Vec<(DateTime<Utc>, &str)> = sorted
        .iter()
        .filter(|m| classify(m) == Class::Human)
        .filter_map(|m| m.agent_id.as_deref().map(|a| (m.ts, a)))
        .collect();
    let extra = cfg.conversion_window.extra_days();
    let event = |o: &OrderRecord| match cfg.conversion_event {
        ConversionEvent::Order => Some(o.created_at),
        ConversionEvent::Payment => o.paid_at,
    };
    let qualifies = |d: NaiveDate, t0: DateTime<Utc>, o: &OrderRecord| {
        event(o).is_some_and(|e| e >= t0 && clock.local_date(e) <= d + Duration::days(extra))
    };
    // Each order is credited to the latest unit whose window holds it.
    let mut credited: BTreeMap<NaiveDate, Vec<&OrderRecord>> = BTreeMap::new();
    for o in orders {
        if let Some((d, _)) = days
            .iter()
            .rev()
            .find(|(d, day)| qualifies(**d, day.first.ts, o))
        {
            credited.entry(*d).or_default().push(o);
        }
    }
    days.iter()
        .map(|(d, day)| {
            let t0 = day.first.ts;
            let lookback_from = *d - Duration::days(cfg.after_sales_lookback_days);
            let after_sales = orders.iter().any(|o| {
                o.paid_at
                    .is_some_and(|p| p < t0 && clock.local_date(p) >= lookback_from)
            });
            let converted_at = orders
                .iter()
                .filter(|o| qualifies(*d, t0, o))
                .filter_map(|o| event(o))
                .min();
            let mine = credited.get(d).map(Vec::as_slice).unwrap_or(&[]);
            let agent_id = match converted_at {
                Some(t) => human
                    .iter()
                    .rev()
                    .find(|(h, _)| *h <= t)
                    .map(|(_, a)| a.to_string()),
                None => human
                    .iter()
                    .rev()
                    .find(|(h, _)| clock.local_date(*h) == *d)
                    .map(|(_, a)| a.to_string()),
            };
            let ids: BTreeSet<String> = mine.iter().map(|o| o.order_id.clone()).collect();
            InquiryFact {
                shop_id: shop.to_string(),
                customer: customer.to_string(),
                customer_id: customer_id.map(str::to_string),
                local_date: *d,
                platform: day.first.platform.clone(),
                channel: day.first.channel.clone(),
                first_ts: t0,
                local_hour: clock.local_hour(t0),
                conversations: day.convs.len() as i64,
                after_sales,
                inquiry: !after_sales || converted_at.is_some(),
                converted: converted_at.is_some(),
                converted_at,
                order_ids: join_sorted(&ids),
                orders: mine.len() as i64,
                order_amount: mine.iter().filter_map(|o| o.amount).sum(),
                agent_id,
            }
        })
        .collect()
}

/// Splits any set of messages into groups and builds each (orders by shop and
/// customer id; surveys by conversation id, else by shop and customer id).
pub fn build_all(
    msgs: &[MessageRecord],
    orders: &[OrderRecord],
    surveys: &[SurveyRecord],
    cfg_of: impl Fn(&str) -> ShopConfig,
) -> Result<GroupFacts, FactError> {
    // A conversation belongs to the customer of its earliest message that names one
    // (in the builder's sort order, so the grouping never depends on input order):
    // the customer who opened it, not one who joined later (a Twitter thread can
    // hold several). Agent rows without a customer id stay with their conversation.
    type First<'a> = (DateTime<Utc>, u8, &'a str, &'a str);
    let t_all = std::time::Instant::now();
    // Messages by conversation first (hashing, not ordering: a million messages make
    // a few hundred thousand conversations), then conversations by group.
    let mut by_conv: FxHashMap<(&str, &str), Vec<&MessageRecord>> =
        FxHashMap::with_capacity_and_hasher(msgs.len() / 4, Default::default());
    for m in msgs {
        by_conv
            .entry((m.shop_id.as_str(), m.conversation_id.as_str()))
            .or_default()
            .push(m);
    }
    let mut groups: FxHashMap<(&str, &str), Vec<&MessageRecord>> =
        FxHashMap::with_capacity_and_hasher(by_conv.len(), Default::default());
    let mut conv_group: FxHashMap<(&str, &str), (&str, &str)> =
        FxHashMap::with_capacity_and_hasher(by_conv.len(), Default::default());
    for ((shop, conv), ms) in by_conv {
        let first: Option<First> = ms
            .iter()
            .filter_map(|m| {
                let c = m.customer_id.as_deref()?;
                Some((m.ts, tie_rank(m), m.message_id.as_str(), c))
            })
            .min();
        let key = (shop, first.map_or(conv, |e| e.3));
        conv_group.insert((shop, conv), key);
        groups.entry(key).or_default().extend(ms);
    }
    // Orders and surveys indexed by group once (a scan per group is quadratic).
    let mut orders_of: FxHashMap<(&str, &str), Vec<&OrderRecord>> = FxHashMap::default();
    for o in orders {
        if let Some(c) = &o.customer_id {
            orders_of
                .entry((o.shop_id.as_str(), c.as_str()))
                .or_default()
                .push(o);
        }
    }
    let mut surveys_of: FxHashMap<(&str, &str), Vec<&SurveyRecord>> = FxHashMap::default();
    for s in surveys {
        let by_conv = s
            .conversation_id
            .as_deref()
            .and_then(|c| conv_group.get(&(s.shop_id.as_str(), c)));
        let key = match (by_conv, &s.customer_id) {
            (Some(k), _) => *k,
            (None, Some(c)) => (s.shop_id.as_str(), c.as_str()),
            (None, None) => continue,
        };
        surveys_of.entry(key).or_default().push(s);
    }
    let mut clocks: BTreeMap<&str, (ShopConfig, ShopClock)> = BTreeMap::new();
    for (shop, _) in groups.keys() {
        if !clocks.contains_key(shop) {
            let cfg = cfg_of(shop);
            let clock = ShopClock::new(&cfg)?;
            clocks.insert(shop, (cfg, clock));
        }
    }
    tracing::debug!(secs = t_all.elapsed().as_secs_f64(), "build_all: grouping");
    let t_all = std::time::Instant::now();
    // Groups are independent: build them on every core, in the order of their keys.
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let built: Vec<GroupFacts> = groups
        .into_par_iter()
        .map(|((shop, cust), gm)| {
            let (cfg, clock) = &clocks[shop];
            let go: Vec<OrderRecord> = orders_of
                .get(&(shop, cust))
                .map(|v| v.iter().map(|o| (*o).clone()).collect())
                .unwrap_or_default();
            let gs: Vec<SurveyRecord> = surveys_of
                .get(&(shop, cust))
                .map(|v| v.iter().map(|s| (*s).clone()).collect())
                .unwrap_or_default();
            build_group_refs(gm, &go, &gs, cfg, clock)
        })
        .collect();
    tracing::debug!(
        secs = t_all.elapsed().as_secs_f64(),
        "build_all: groups built"
    );
    let t_all = std::time::Instant::now();
    // One allocation per table, not a doubling vector of large rows.
    let mut out = GroupFacts {
        conversations: Vec::with_capacity(built.iter().map(|g| g.conversations.len()).sum()),
        rounds: Vec::with_capacity(built.iter().map(|g| g.rounds.len()).sum()),
        inquiries: Vec::with_capacity(built.iter().map(|g| g.inquiries.len()).sum()),
        surveys: Vec::with_capacity(built.iter().map(|g| g.surveys.len()).sum()),
    };
    for g in built {
        out.extend(g);
    }
    tracing::debug!(secs = t_all.elapsed().as_secs_f64(), "build_all: joined");
    Ok(out)
}
