//! Issue 3, "Done when" 2: the Twitter support sample
//! (`../shared/data/conversations_timestamps/twcs_head_sample_dev.csv`) read as
//! `kefu ingest --format twcs` reads it and built into facts with [`build_all`] gives
//! the figures that an independent computation, written here from the raw CSV and
//! METRICS.md alone, gives.
//!
//! kefu side: `kefu_ingest::read_file` (the twcs reader), the duplicate-row-key drop
//! of `kefu ingest`'s sink, the store's Arrow layout and back (as `kefu report` reads
//! messages), `build_all` with the default shop configuration, then the report's
//! aggregation of the fact rows (the SQL of `kpi.rs`, which needs DataFusion, written
//! out over the rows with the report's own exact [`Summary`]).
//!
//! Independent side: the `csv` crate, its own union-find over the reply links, its
//! own timestamp parsing, rounds, windows and percentiles. Nothing of kefu's is used
//! there except `Tz` for shop-local hours.
//!
//! Counts must be equal and floats equal to 1e-9 relative, overall and per
//! conversation (a mismatch names the conversation and the file's reference thread).
//! The data set is read from `../shared/data` beside the repository (or
//! `$KEFU_SHARED_DATA`); when it is missing the test fails, it never skips.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;
use kefu_analytics::stats::Summary;
use kefu_analytics::{GroupFacts, build_all};
use kefu_ingest::{Format, IngestOptions, Record, VecSink};
use kefu_model::config::RoundStart;
use kefu_model::{MessageKind, MessageRecord, Sender, ShopConfig, ToBatch};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

const SAMPLE: &str = "conversations_timestamps/twcs_head_sample_dev.csv";
/// Rows and reply threads of the sample (data README: 3,563 rows / 918 threads).
const ROWS: usize = 3563;
const THREADS: usize = 918;
/// METRICS.md within-T buckets (≤ 30 s, 1, 3, 5, 10, 30 min, 1 h), in seconds.
const BUCKETS: [f64; 7] = [30.0, 60.0, 180.0, 300.0, 600.0, 1800.0, 3600.0];

fn sample_path() -> PathBuf {
    let base = std::env::var_os("KEFU_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("CARGO_MANIFEST_DIR")
                .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
                .join("../../../shared/data")
        });
    let p = base.join(SAMPLE);
    assert!(
        p.is_file(),
        "the Twitter support sample is missing: {} (the shared data lives in ../shared/data \
         beside the repository; set KEFU_SHARED_DATA to its folder)",
        p.display()
    );
    p
}

// ---------------------------------------------------------------------------------
// What both sides produce
// ---------------------------------------------------------------------------------

/// n, mean, median, p90 of a duration.
#[derive(Debug, Clone, Default)]
struct Stat {
    n: i64,
    mean: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
}

/// The report's figures (METRICS.md Volume and Response).
#[derive(Debug, Clone, Default)]
struct Figures {
    conversations: i64,
    customers: i64,
    customer_messages: i64,
    agent_messages: i64,
    outbound: i64,
    frt: Stat,
    frt_unanswered: i64,
    human_rounds: i64,
    unanswered_rounds: i64,
    response: Stat,
    within: [Option<f64>; 7],
    /// 3-minute rate, per round: rounds starting in the window, and the rate.
    three_min_rounds: i64,
    three_min_rate: Option<f64>,
    /// 3-minute rate, per buyer (the option).
    three_min_buyers: i64,
    three_min_buyer_rate: Option<f64>,
    /// 人工不服务率: conversations with a customer message in the window, not served.
    window_conversations: i64,
    not_served: i64,
    not_served_rate: Option<f64>,
    answer_ratio: Option<f64>,
}

/// One conversation's values.
#[derive(Debug, Clone)]
struct ConvView {
    shop: String,
    customer: String,
    /// Every customer who wrote in the conversation (sorted).
    senders: Vec<String>,
    customer_messages: i64,
    agent_messages: i64,
    outbound: bool,
    frt: Option<f64>,
    frt_answered: Option<bool>,
    /// Per round: start, and the response time (None: unanswered).
    rounds: Vec<(DateTime<Utc>, Option<f64>)>,
    window_rounds: i64,
    three_min_ok: i64,
    window_customer: bool,
    not_served: bool,
}

/// A shop reading to check.
#[derive(Debug, Clone, Copy)]
struct Variant {
    tz: Tz,
    round_start_last: bool,
}

impl Variant {
    fn config(&self) -> ShopConfig {
        ShopConfig {
            timezone: self.tz.name().to_string(),
            round_start: if self.round_start_last {
                RoundStart::Last
            } else {
                RoundStart::First
            },
            ..ShopConfig::default()
        }
    }
}

// ---------------------------------------------------------------------------------
// kefu side
// ---------------------------------------------------------------------------------

/// The messages `kefu ingest --format twcs --tz <tz>` stores: the twcs reader, the
/// sink's drop of row keys already seen (`crates/kefu/src/ingest.rs`), and the
/// store's Arrow layout read back as `kefu report` reads it.
fn kefu_messages(path: &Path, tz: Tz) -> Vec<MessageRecord> {
    let opts = IngestOptions {
        format: Some(Format::Twcs),
        tz_override: Some(tz),
        ..IngestOptions::default()
    };
    let mut sink = VecSink::default();
    let summary = kefu_ingest::read_file(path, &opts, &mut sink).unwrap_or_else(|e| panic!("{e}"));
    let reasons: Vec<String> = sink
        .quarantined
        .iter()
        .map(|q| format!("row {}: {}", q.source_row, q.reason))
        .collect();
    assert!(reasons.is_empty(), "quarantined rows: {reasons:?}");
    assert_eq!(summary.rows_read as usize, ROWS);
    assert_eq!(summary.accepted as usize, ROWS);
    let mut seen = HashSet::new();
    let msgs: Vec<MessageRecord> = sink
        .records
        .into_iter()
        .filter_map(|r| match r {
            Record::Message(m) => Some(m),
            _ => None,
        })
        .filter(|m| seen.insert(m.row_key()))
        .collect();
    let batch = MessageRecord::to_batch(&msgs).expect("to batch");
    MessageRecord::from_batch(&batch).expect("from batch")
}

fn kefu_facts(msgs: &[MessageRecord], v: Variant) -> GroupFacts {
    let cfg = v.config();
    build_all(msgs, &[], &[], |_| cfg.clone()).expect("facts")
}

fn summary(values: Vec<f64>) -> Stat {
    let s = Summary::of(values);
    Stat {
        n: s.n,
        mean: s.mean,
        p50: s.p50,
        p90: s.p90,
    }
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// The report's aggregation of the fact rows (`kpi.rs` `conversation_sections` and
/// `round_sections`, whole period, no breakdown).
fn kefu_figures(f: &GroupFacts, v: Variant, bad: &mut Vec<String>) -> Figures {
    let col = |r: &kefu_analytics::RoundFact| {
        if v.round_start_last {
            r.response_secs_last
        } else {
            r.response_secs_first
        }
    };
    let first_cycles: Vec<_> = f.conversations.iter().filter(|c| c.cycle == 0).collect();
    // 咨询人数: every customer who sent a message (a thread a second customer joins
    // counts both).
    let customers: BTreeSet<(&str, &str)> = f
        .conversations
        .iter()
        .flat_map(|c| {
            c.customer_senders
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(move |s| (c.shop_id.as_str(), s))
        })
        .collect();
    let frt: Vec<f64> = f
        .conversations
        .iter()
        .filter(|c| c.frt_answered == Some(true))
        .filter_map(|c| c.frt_secs)
        .collect();
    let human: Vec<_> = f.rounds.iter().filter(|r| r.kind == "human").collect();
    let unanswered = f.rounds.iter().filter(|r| r.kind == "unanswered").count() as i64;
    let mut within = [None; 7];
    for (i, t) in BUCKETS.iter().enumerate() {
        let ok = human
            .iter()
            .filter(|r| col(r).is_some_and(|s| s <= *t))
            .count() as i64;
        within[i] = ratio(ok, human.len() as i64 + unanswered);
        // The stored flags must say the same as the response column.
        let flags = f
            .rounds
            .iter()
            .filter(|r| {
                [
                    r.within_30s,
                    r.within_1m,
                    r.within_3m,
                    r.within_5m,
                    r.within_10m,
                    r.within_30m,
                    r.within_1h,
                ][i] == Some(true)
            })
            .count() as i64;
        if flags != ok {
            bad.push(format!(
                "kefu: within ≤ {t} s flags {flags} ≠ response column {ok}"
            ));
        }
    }
    let in_window: Vec<_> = f
        .rounds
        .iter()
        .filter(|r| r.starts_in_window && r.kind != "bot")
        .collect();
    let ok3 =
        |r: &kefu_analytics::RoundFact| r.kind == "human" && col(r).is_some_and(|s| s <= 180.0);
    let three_ok = in_window.iter().filter(|r| ok3(r)).count() as i64;
    let mut buyers: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for r in &in_window {
        *buyers
            .entry((r.shop_id.as_str(), r.customer.as_str()))
            .or_insert(true) &= ok3(r);
    }
    let customer_messages: i64 = f.conversations.iter().map(|c| c.customer_messages).sum();
    let agent_messages: i64 = f.conversations.iter().map(|c| c.agent_messages).sum();
    let window_conversations = first_cycles.iter().filter(|c| c.window_customer).count() as i64;
    let not_served = first_cycles.iter().filter(|c| c.not_served).count() as i64;
    Figures {
        conversations: first_cycles.len() as i64,
        customers: customers.len() as i64,
        customer_messages,
        agent_messages,
        outbound: first_cycles.iter().filter(|c| c.outbound).count() as i64,
        frt: summary(frt),
        frt_unanswered: f
            .conversations
            .iter()
            .filter(|c| c.frt_answered == Some(false))
            .count() as i64,
        human_rounds: human.len() as i64,
        unanswered_rounds: unanswered,
        response: summary(human.iter().filter_map(|r| col(r)).collect()),
        within,
        three_min_rounds: in_window.len() as i64,
        three_min_rate: ratio(three_ok, in_window.len() as i64),
        three_min_buyers: buyers.len() as i64,
        three_min_buyer_rate: ratio(
            buyers.values().filter(|ok| **ok).count() as i64,
            buyers.len() as i64,
        ),
        window_conversations,
        not_served,
        not_served_rate: ratio(not_served, window_conversations),
        answer_ratio: ratio(agent_messages, customer_messages),
    }
}

/// kefu's facts per conversation id.
fn kefu_convs(f: &GroupFacts, v: Variant, bad: &mut Vec<String>) -> BTreeMap<String, ConvView> {
    let mut rounds: BTreeMap<&str, Vec<&kefu_analytics::RoundFact>> = BTreeMap::new();
    for r in &f.rounds {
        rounds
            .entry(r.conversation_id.as_str())
            .or_default()
            .push(r);
    }
    let mut out = BTreeMap::new();
    for c in &f.conversations {
        // No status events in twcs: one care cycle per conversation.
        if c.cycles != 1 || c.cycle != 0 {
            bad.push(format!(
                "kefu {}: cycle {} of {} (twcs has no reopen events)",
                c.conversation_id, c.cycle, c.cycles
            ));
            continue;
        }
        let mut rs = rounds
            .remove(c.conversation_id.as_str())
            .unwrap_or_default();
        rs.sort_by_key(|r| (r.cycle, r.round));
        let mut view_rounds = Vec::new();
        for r in &rs {
            let resp = if v.round_start_last {
                r.response_secs_last
            } else {
                r.response_secs_first
            };
            match r.kind.as_str() {
                "human" => view_rounds.push((r.start_ts, resp)),
                "unanswered" => view_rounds.push((r.start_ts, None)),
                k => bad.push(format!(
                    "kefu {}: round {} is a {k} round (twcs has no bots)",
                    c.conversation_id, r.round
                )),
            }
        }
        let view = ConvView {
            shop: c.shop_id.clone(),
            customer: c.customer.clone(),
            senders: c
                .customer_senders
                .as_deref()
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            customer_messages: c.customer_messages,
            agent_messages: c.agent_messages,
            outbound: c.outbound,
            frt: c.frt_secs,
            frt_answered: c.frt_answered,
            rounds: view_rounds,
            window_rounds: c.window_rounds,
            three_min_ok: c.three_min_rounds,
            window_customer: c.window_customer,
            not_served: c.not_served,
        };
        if out.insert(c.conversation_id.clone(), view).is_some() {
            bad.push(format!("kefu: conversation {} twice", c.conversation_id));
        }
    }
    for id in rounds.keys() {
        bad.push(format!("kefu: rounds of {id} without a conversation row"));
    }
    out
}

// ---------------------------------------------------------------------------------
// Independent side: the raw CSV and METRICS.md
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Tweet {
    id: u64,
    author: String,
    inbound: bool,
    ts: DateTime<Utc>,
    /// `response_tweet_id` (a comma list) and `in_response_to_tweet_id`.
    links: Vec<u64>,
    /// The file's reference thread id.
    thread: String,
}

/// Ids are written `123` or, where pandas made the column float, `123.0`.
fn tweet_id(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let digits = s.strip_suffix(".0").unwrap_or(s);
    Some(
        digits
            .parse()
            .unwrap_or_else(|_| panic!("not a tweet id: {s:?}")),
    )
}

fn read_raw(path: &Path) -> Vec<Tweet> {
    let mut rdr = csv::Reader::from_path(path).expect("open the sample");
    let header = rdr.headers().expect("header").clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (c_id, c_author, c_in, c_at, c_resp, c_to, c_thread) = (
        col("tweet_id"),
        col("author_id"),
        col("inbound"),
        col("created_at"),
        col("response_tweet_id"),
        col("in_response_to_tweet_id"),
        col("thread"),
    );
    rdr.records()
        .map(|r| {
            let r = r.expect("a CSV record");
            let ts = DateTime::parse_from_str(&r[c_at], "%a %b %d %H:%M:%S %z %Y")
                .unwrap_or_else(|e| panic!("created_at {:?}: {e}", &r[c_at]))
                .to_utc();
            let inbound = match &r[c_in] {
                "True" => true,
                "False" => false,
                o => panic!("inbound {o:?}"),
            };
            let mut links: Vec<u64> = r[c_resp].split(',').filter_map(tweet_id).collect();
            links.extend(tweet_id(&r[c_to]));
            Tweet {
                id: tweet_id(&r[c_id]).expect("tweet_id"),
                author: r[c_author].to_string(),
                inbound,
                ts,
                links,
                thread: r[c_thread].to_string(),
            }
        })
        .collect()
}

/// Reply threads: connected components of the reply links among the tweets present
/// (a link to a tweet outside the file joins nothing). Each thread sorted by time;
/// at one instant the customer's tweet comes before the reply (kefu's documented tie
/// rule, build.rs `tie_rank`), then by id. Keyed by the thread's smallest tweet id.
fn threads(tweets: &[Tweet]) -> BTreeMap<u64, Vec<&Tweet>> {
    fn root(up: &mut [usize], mut i: usize) -> usize {
        while up[i] != i {
            i = up[i];
        }
        i
    }
    let at: HashMap<u64, usize> = tweets.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    assert_eq!(at.len(), tweets.len(), "duplicate tweet ids in the sample");
    let mut up: Vec<usize> = (0..tweets.len()).collect();
    for (i, t) in tweets.iter().enumerate() {
        for l in &t.links {
            if let Some(&j) = at.get(l) {
                let (a, b) = (root(&mut up, i), root(&mut up, j));
                up[a] = b;
            }
        }
    }
    let mut by_root: HashMap<usize, Vec<&Tweet>> = HashMap::new();
    for (i, t) in tweets.iter().enumerate() {
        by_root.entry(root(&mut up, i)).or_default().push(t);
    }
    by_root
        .into_values()
        .map(|mut v| {
            v.sort_by_key(|t| (t.ts, !t.inbound, t.id));
            (v.iter().map(|t| t.id).min().expect("non-empty"), v)
        })
        .collect()
}

fn secs(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    let d: TimeDelta = b - a;
    d.num_milliseconds() as f64 / 1000.0
}

/// METRICS.md Assessment window, default: every day 08:00–23:00 shop time (from
/// 08:00:00 inclusive to 23:00:00 exclusive).
fn in_window(t: DateTime<Utc>, tz: Tz) -> bool {
    (8..23).contains(&t.with_timezone(&tz).hour())
}

/// One thread by METRICS.md. There are no bots, greetings, auto-replies or status
/// events in twcs: every brand tweet is a human reply, every thread one care cycle.
fn analyse(key: u64, thread: &[&Tweet], v: Variant) -> ConvView {
    // The brand that answers is the shop (the twcs source has no shop column); the
    // customer of the conversation is the first customer who wrote in it.
    let shop = thread
        .iter()
        .find(|t| !t.inbound)
        .map(|t| t.author.clone())
        .unwrap_or_else(|| panic!("thread {key}: no brand tweet (the sample has one in each)"));
    let customer = thread
        .iter()
        .find(|t| t.inbound)
        .map(|t| t.author.clone())
        .unwrap_or_else(|| format!("tw:{key}"));
    let customer_messages = thread.iter().filter(|t| t.inbound).count() as i64;
    let agent_messages = thread.len() as i64 - customer_messages;
    let senders: BTreeSet<String> = thread
        .iter()
        .filter(|t| t.inbound)
        .map(|t| t.author.clone())
        .collect();

    // FRT (METRICS.md Response): outbound conversations (agent wrote first) are
    // excluded; otherwise the human clock starts at the first customer message (no bot
    // rounds to skip) and stops at the first human reply after it.
    let outbound = !thread[0].inbound;
    let (frt, frt_answered) = if outbound {
        (None, None)
    } else {
        let start = thread[0].ts;
        let reply = thread.iter().find(|t| !t.inbound && t.ts >= start);
        (reply.map(|r| secs(start, r.ts)), Some(reply.is_some()))
    };

    // Rounds: maximal runs of customer tweets closed by the next brand tweet; a run
    // still open at the end is unanswered. Response time from the first (or, with
    // round_start = last, the last) customer tweet of the run.
    let mut rounds = Vec::new();
    let mut open: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for t in thread {
        if t.inbound {
            open = Some((open.map_or(t.ts, |o| o.0), t.ts));
        } else if let Some((first, last)) = open.take() {
            let from = if v.round_start_last { last } else { first };
            rounds.push((first, Some(secs(from, t.ts))));
        }
    }
    if let Some((first, _)) = open {
        rounds.push((first, None));
    }

    // 3分钟人工回复率 counts rounds that start inside the window; 人工不服务 a
    // conversation with a customer message inside the window and no human reply.
    let in_w: Vec<&(DateTime<Utc>, Option<f64>)> =
        rounds.iter().filter(|r| in_window(r.0, v.tz)).collect();
    let window_customer = thread.iter().any(|t| t.inbound && in_window(t.ts, v.tz));
    ConvView {
        shop,
        customer,
        senders: senders.into_iter().collect(),
        customer_messages,
        agent_messages,
        outbound,
        frt,
        frt_answered,
        window_rounds: in_w.len() as i64,
        three_min_ok: in_w
            .iter()
            .filter(|r| r.1.is_some_and(|s| s <= 180.0))
            .count() as i64,
        rounds,
        window_customer,
        not_served: window_customer && agent_messages == 0,
    }
}

/// Exact percentile: rank h = p·(n − 1) in the sorted values, linear between the
/// closest ranks.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = p * (n - 1) as f64;
    let below = h.floor();
    let i = below as usize;
    if i + 1 >= n {
        return Some(sorted[n - 1]);
    }
    Some(sorted[i] * (1.0 - (h - below)) + sorted[i + 1] * (h - below))
}

fn stat(mut v: Vec<f64>) -> Stat {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    Stat {
        n: v.len() as i64,
        mean: (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64),
        p50: percentile(&v, 0.5),
        p90: percentile(&v, 0.9),
    }
}

fn independent_figures(convs: &BTreeMap<u64, ConvView>) -> Figures {
    let all = || convs.values();
    let rounds = || all().flat_map(|c| c.rounds.iter());
    let human: Vec<f64> = rounds().filter_map(|r| r.1).collect();
    let unanswered = rounds().filter(|r| r.1.is_none()).count() as i64;
    let den = human.len() as i64 + unanswered;
    let within = BUCKETS.map(|t| {
        let ok = human.iter().filter(|s| **s <= t).count() as i64;
        (den > 0).then(|| ok as f64 / den as f64)
    });
    // 咨询人数: distinct customers per shop who wrote at least one tweet.
    let customers: BTreeSet<(&str, &str)> = all()
        .flat_map(|c| c.senders.iter().map(move |s| (c.shop.as_str(), s.as_str())))
        .collect();
    let three_min_rounds: i64 = all().map(|c| c.window_rounds).sum();
    let three_ok: i64 = all().map(|c| c.three_min_ok).sum();
    // Per buyer: buyers with an in-window round, less those with any such round
    // answered late or not at all.
    let mut buyers: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for c in all().filter(|c| c.window_rounds > 0) {
        *buyers
            .entry((c.shop.as_str(), c.customer.as_str()))
            .or_insert(true) &= c.three_min_ok == c.window_rounds;
    }
    let buyers_ok = buyers.values().filter(|ok| **ok).count() as i64;
    let customer_messages: i64 = all().map(|c| c.customer_messages).sum();
    let agent_messages: i64 = all().map(|c| c.agent_messages).sum();
    let window_conversations = all().filter(|c| c.window_customer).count() as i64;
    let not_served = all().filter(|c| c.not_served).count() as i64;
    let frac = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    Figures {
        conversations: convs.len() as i64,
        customers: customers.len() as i64,
        customer_messages,
        agent_messages,
        outbound: all().filter(|c| c.outbound).count() as i64,
        frt: stat(all().filter_map(|c| c.frt).collect()),
        frt_unanswered: all().filter(|c| c.frt_answered == Some(false)).count() as i64,
        human_rounds: human.len() as i64,
        unanswered_rounds: unanswered,
        response: stat(human.clone()),
        within,
        three_min_rounds,
        three_min_rate: frac(three_ok, three_min_rounds),
        three_min_buyers: buyers.len() as i64,
        three_min_buyer_rate: frac(buyers_ok, buyers.len() as i64),
        window_conversations,
        not_served,
        not_served_rate: frac(not_served, window_conversations),
        answer_ratio: frac(agent_messages, customer_messages),
    }
}

// ---------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn cmp_f(bad: &mut Vec<String>, what: &str, kefu: Option<f64>, ind: Option<f64>) {
    let same = match (kefu, ind) {
        (Some(a), Some(b)) => close(a, b),
        (None, None) => true,
        _ => false,
    };
    if !same {
        bad.push(format!("{what}: kefu {kefu:?} ≠ independent {ind:?}"));
    }
}

fn cmp<T: PartialEq + std::fmt::Debug>(bad: &mut Vec<String>, what: &str, kefu: T, ind: T) {
    if kefu != ind {
        bad.push(format!("{what}: kefu {kefu:?} ≠ independent {ind:?}"));
    }
}

fn cmp_stat(bad: &mut Vec<String>, what: &str, k: &Stat, i: &Stat) {
    cmp(bad, &format!("{what} n"), k.n, i.n);
    cmp_f(bad, &format!("{what} mean"), k.mean, i.mean);
    cmp_f(bad, &format!("{what} p50"), k.p50, i.p50);
    cmp_f(bad, &format!("{what} p90"), k.p90, i.p90);
}

fn cmp_figures(bad: &mut Vec<String>, k: &Figures, i: &Figures) {
    cmp(bad, "conversations", k.conversations, i.conversations);
    cmp(bad, "customers", k.customers, i.customers);
    cmp(
        bad,
        "customer messages",
        k.customer_messages,
        i.customer_messages,
    );
    cmp(bad, "agent messages", k.agent_messages, i.agent_messages);
    cmp(bad, "outbound conversations", k.outbound, i.outbound);
    cmp_stat(bad, "FRT", &k.frt, &i.frt);
    cmp(bad, "FRT unanswered", k.frt_unanswered, i.frt_unanswered);
    cmp(bad, "human rounds", k.human_rounds, i.human_rounds);
    cmp(
        bad,
        "unanswered rounds",
        k.unanswered_rounds,
        i.unanswered_rounds,
    );
    cmp_stat(bad, "response time", &k.response, &i.response);
    for (j, t) in BUCKETS.iter().enumerate() {
        cmp_f(bad, &format!("within ≤ {t} s"), k.within[j], i.within[j]);
    }
    cmp(bad, "3-min rounds", k.three_min_rounds, i.three_min_rounds);
    cmp_f(bad, "3-min rate", k.three_min_rate, i.three_min_rate);
    cmp(bad, "3-min buyers", k.three_min_buyers, i.three_min_buyers);
    cmp_f(
        bad,
        "3-min rate per buyer",
        k.three_min_buyer_rate,
        i.three_min_buyer_rate,
    );
    cmp(
        bad,
        "conversations in window",
        k.window_conversations,
        i.window_conversations,
    );
    cmp(bad, "not served", k.not_served, i.not_served);
    cmp_f(bad, "not-served rate", k.not_served_rate, i.not_served_rate);
    cmp_f(bad, "answer ratio", k.answer_ratio, i.answer_ratio);
}

fn cmp_conv(bad: &mut Vec<String>, name: &str, k: &ConvView, i: &ConvView) {
    let mut b = Vec::new();
    cmp(&mut b, "shop", &k.shop, &i.shop);
    cmp(&mut b, "customer", &k.customer, &i.customer);
    cmp(
        &mut b,
        "customer messages",
        k.customer_messages,
        i.customer_messages,
    );
    cmp(&mut b, "agent messages", k.agent_messages, i.agent_messages);
    cmp(&mut b, "outbound", k.outbound, i.outbound);
    cmp_f(&mut b, "FRT", k.frt, i.frt);
    cmp(&mut b, "FRT answered", k.frt_answered, i.frt_answered);
    cmp(&mut b, "rounds", k.rounds.len(), i.rounds.len());
    for (j, (kr, ir)) in k.rounds.iter().zip(&i.rounds).enumerate() {
        cmp(&mut b, &format!("round {j} start"), kr.0, ir.0);
        cmp_f(&mut b, &format!("round {j} response"), kr.1, ir.1);
    }
    cmp(&mut b, "in-window rounds", k.window_rounds, i.window_rounds);
    cmp(&mut b, "3-min rounds ok", k.three_min_ok, i.three_min_ok);
    cmp(
        &mut b,
        "customer in window",
        k.window_customer,
        i.window_customer,
    );
    cmp(&mut b, "not served", k.not_served, i.not_served);
    bad.extend(b.into_iter().map(|m| format!("{name}: {m}")));
}

fn show(f: &Figures) -> String {
    let s = |x: &Stat| {
        format!(
            "n {} mean {:.3} p50 {:.1} p90 {:.1}",
            x.n,
            x.mean.unwrap_or(f64::NAN),
            x.p50.unwrap_or(f64::NAN),
            x.p90.unwrap_or(f64::NAN)
        )
    };
    let p = |x: Option<f64>| format!("{:.4}", x.unwrap_or(f64::NAN));
    format!(
        "conversations {} customers {} customer msgs {} agent msgs {} outbound {}\n  \
         FRT {} unanswered {}\n  rounds human {} unanswered {}; response {}\n  \
         within 30s/1m/3m/5m/10m/30m/1h {}\n  3-min rate {} of {} rounds, per buyer {} of {}\n  \
         not served {} of {} = {}; answer ratio {}",
        f.conversations,
        f.customers,
        f.customer_messages,
        f.agent_messages,
        f.outbound,
        s(&f.frt),
        f.frt_unanswered,
        f.human_rounds,
        f.unanswered_rounds,
        s(&f.response),
        f.within.map(p).join(" "),
        p(f.three_min_rate),
        f.three_min_rounds,
        p(f.three_min_buyer_rate),
        f.three_min_buyers,
        f.not_served,
        f.window_conversations,
        p(f.not_served_rate),
        p(f.answer_ratio),
    )
}

#[test]
fn twcs_sample_gives_the_figures_of_an_independent_computation() {
    let path = sample_path();
    let raw = read_raw(&path);
    assert_eq!(raw.len(), ROWS);
    let threads = threads(&raw);

    // Our union-find partitions the tweets exactly as the file's reference `thread`
    // column does.
    let mut ref_of_key: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
    let mut keys_of_ref: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    for (key, ts) in &threads {
        for t in ts {
            ref_of_key.entry(*key).or_default().insert(&t.thread);
            keys_of_ref.entry(&t.thread).or_default().insert(*key);
        }
    }
    assert_eq!(threads.len(), THREADS);
    assert_eq!(keys_of_ref.len(), THREADS);
    for (key, refs) in &ref_of_key {
        assert_eq!(
            refs.len(),
            1,
            "our thread {key} spans reference threads {refs:?}"
        );
    }
    for (r, keys) in &keys_of_ref {
        assert_eq!(
            keys.len(),
            1,
            "reference thread {r} is our threads {keys:?}"
        );
    }

    // METRICS.md Conversation: the messages sharing a conversation id; session_gap
    // splits only sources without one. The twcs reader gives each reply thread its
    // id, so one thread is one conversation however long its gaps (514 threads of
    // the sample span more than 30 minutes and stay whole).
    let variants = [
        Variant {
            tz: chrono_tz::UTC,
            round_start_last: false,
        },
        // The default shop timezone moves the assessment window.
        Variant {
            tz: chrono_tz::Asia::Shanghai,
            round_start_last: false,
        },
        // METRICS.md round_start = last (Simla).
        Variant {
            tz: chrono_tz::UTC,
            round_start_last: true,
        },
    ];
    for v in variants {
        let msgs = kefu_messages(&path, v.tz);
        assert_eq!(msgs.len(), ROWS, "messages after the duplicate drop");

        // The same partition on the kefu side: each thread is one conversation id.
        let conv_of: HashMap<u64, &str> = msgs
            .iter()
            .map(|m| {
                (
                    tweet_id(&m.message_id).expect("id"),
                    m.conversation_id.as_str(),
                )
            })
            .collect();
        let mut conv_name: BTreeMap<u64, String> = BTreeMap::new();
        let mut seen_convs: HashSet<&str> = HashSet::new();
        for (key, ts) in &threads {
            let ids: BTreeSet<&str> = ts.iter().map(|t| conv_of[&t.id]).collect();
            assert_eq!(ids.len(), 1, "thread {key} is kefu conversations {ids:?}");
            let id = *ids.first().expect("one");
            assert!(
                seen_convs.insert(id),
                "kefu conversation {id} holds two threads"
            );
            conv_name.insert(*key, id.to_string());
        }

        let facts = kefu_facts(&msgs, v);
        let mut bad = Vec::new();
        // The store hands rows back in no particular order: the facts must not depend
        // on it (75 threads of the sample hold several customers).
        let reversed: Vec<MessageRecord> = msgs.iter().rev().cloned().collect();
        let again = kefu_facts(&reversed, v);
        let differ: Vec<&str> = facts
            .conversations
            .iter()
            .filter(|c| !again.conversations.contains(c))
            .map(|c| c.conversation_id.as_str())
            .collect();
        assert!(
            differ.is_empty() && again == facts,
            "facts change with the input order: {differ:?}"
        );
        let kefu_by_conv = kefu_convs(&facts, v, &mut bad);
        let ind_by_thread: BTreeMap<u64, ConvView> = threads
            .iter()
            .map(|(key, ts)| (*key, analyse(*key, ts, v)))
            .collect();
        cmp(
            &mut bad,
            "conversation rows",
            kefu_by_conv.len(),
            ind_by_thread.len(),
        );
        for (key, ind) in &ind_by_thread {
            let id = &conv_name[key];
            let name = format!(
                "conversation {id} (reference thread {})",
                threads[key][0].thread
            );
            match kefu_by_conv.get(id) {
                Some(k) => cmp_conv(&mut bad, &name, k, ind),
                None => bad.push(format!("{name}: no kefu facts")),
            }
        }

        let kefu = kefu_figures(&facts, v, &mut bad);
        let ind = independent_figures(&ind_by_thread);
        cmp_figures(&mut bad, &kefu, &ind);
        println!(
            "tz {} round_start {}:\n kefu:        {}\n independent: {}",
            v.tz.name(),
            if v.round_start_last { "last" } else { "first" },
            show(&kefu),
            show(&ind)
        );
        assert!(
            bad.is_empty(),
            "tz {}, round_start_last {}: {} mismatches:\n{}",
            v.tz.name(),
            v.round_start_last,
            bad.len(),
            bad.join("\n")
        );
    }
}

/// The golden rule behind the conversation's customer: a thread opened by one customer
/// and joined by another (whose id sorts first) belongs to the one who opened it, in
/// every input order; the brand's reply carries the opener, as the twcs reader writes.
#[test]
fn a_conversation_belongs_to_the_customer_who_opened_it() {
    let at = |m: i64| DateTime::from_timestamp(1_509_487_200 + 60 * m, 0).expect("instant");
    let msg = |id: &str, minute: i64, sender: Sender, customer: &str| MessageRecord {
        message_id: id.into(),
        conversation_id: "tw:1".into(),
        shop_id: "TMobileHelp".into(),
        platform: "twitter".into(),
        channel: "social".into(),
        ts: at(minute),
        sender,
        agent_id: (sender == Sender::Agent).then(|| "TMobileHelp".into()),
        customer_id: Some(customer.into()),
        text: String::new(),
        text_raw: String::new(),
        kind: MessageKind::Text,
        product_id: None,
        order_id: None,
        local_date: at(minute).date_naive(),
        text_masked: None,
        categories: vec![],
        sentiment: None,
        urgent: None,
        spam: None,
        intent: None,
        source_file: "golden".into(),
        source_row: 0,
    };
    let msgs = [
        msg("3", 0, Sender::Customer, "116426"),
        msg("2", 1, Sender::Customer, "115911"),
        msg("1", 6, Sender::Agent, "116426"),
    ];
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let input: Vec<MessageRecord> = order.iter().map(|&i| msgs[i].clone()).collect();
        let f = build_all(&input, &[], &[], |_| ShopConfig::default()).expect("facts");
        assert_eq!(f.conversations.len(), 1, "order {order:?}");
        let c = &f.conversations[0];
        assert_eq!(
            (c.customer.as_str(), c.customer_id.as_deref()),
            ("116426", Some("116426")),
            "order {order:?}"
        );
        // Both customers' tweets are the conversation's customer messages: one round,
        // answered 6 minutes after it opened.
        assert_eq!((c.customer_messages, c.frt_secs), (2, Some(360.0)));
        assert!(f.rounds.iter().all(|r| r.customer == "116426"));
    }
}
