//! Realistic synthetic shops for `kefu demo`: three shops (Douyin, Taobao, JD), about
//! forty agents of different speed and quality, 90 days with daily, weekly and
//! campaign (双11) patterns, bots that answer first and hand over, Chinese dialogues
//! across the complaint categories, orders that follow some inquiries, surveys and
//! reviews.
//!
//! Output is deterministic for a seed. The Douyin shop is written in the 飞鸽 export
//! layout (UTF-8 with BOM), the Taobao shop in the 千牛 layout (GBK, no conversation
//! id), the JD shop and the orders, surveys and reviews in kefu's canonical layouts,
//! so one demo exercises presets, encodings and sessionisation.

pub mod content;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use content::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal, Normal};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// 1.0 ≈ 1.5 million messages; volume scales linearly.
    pub scale: f64,
    pub seed: u64,
    pub start: NaiveDate,
    pub days: u32,
    /// Write every shop in kefu's canonical layout (UTF-8), e.g. for benchmarks
    /// against engines that read neither GBK nor platform layouts.
    pub canonical_only: bool,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            scale: 1.0,
            seed: 20_251_111,
            start: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
            days: 90,
            canonical_only: false,
        }
    }
}

/// What was generated, and where.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct DemoSummary {
    pub messages: u64,
    pub conversations: u64,
    pub orders: u64,
    pub surveys: u64,
    pub reviews: u64,
    /// Each file with the ingest format that reads it (`feige`, `qianniu` or `kefu-csv`).
    pub files: Vec<(PathBuf, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Layout {
    Feige,
    Qianniu,
    Canonical,
}

struct Shop {
    id: &'static str,
    platform: &'static str,
    code: &'static str,
    layout: Layout,
    agents: usize,
    bot_rate: f64,
    /// 飞鸽 writes a 会话结束 event; the others leave resolution to be inferred.
    resolve_events: bool,
    greeting: bool,
    survey_scale: i32,
}

const SHOPS: [Shop; 3] = [
    Shop {
        id: "dy-flagship",
        platform: "douyin",
        code: "DY",
        layout: Layout::Feige,
        agents: 13,
        bot_rate: 0.6,
        resolve_events: true,
        greeting: false,
        survey_scale: 5,
    },
    Shop {
        id: "tb-store",
        platform: "taobao",
        code: "TB",
        layout: Layout::Qianniu,
        agents: 14,
        bot_rate: 0.5,
        resolve_events: false,
        greeting: false,
        survey_scale: 3,
    },
    Shop {
        id: "jd-official",
        platform: "jd",
        code: "JD",
        layout: Layout::Canonical,
        agents: 13,
        bot_rate: 0.3,
        resolve_events: false,
        greeting: true,
        survey_scale: 5,
    },
];

struct Agent {
    id: String,
    /// Median seconds to answer at normal load.
    speed: f64,
    /// Probability of resolving; drives satisfaction too.
    quality: f64,
    /// Probability that a pre-sale inquiry they serve becomes an order.
    sales: f64,
    /// Works 08:00–16:00 (early) or 15:00–24:00 (late).
    early: bool,
}

/// Relative arrivals per shop-local hour: quiet nights, a morning ramp, and the
/// evening peak (20:00–22:00) the seeds tell managers to staff.
const HOURLY: [f64; 24] = [
    0.30, 0.15, 0.07, 0.04, 0.03, 0.04, 0.08, 0.20, 0.45, 0.75, 0.95, 1.00, 0.80, 0.85, 0.95, 0.95,
    0.90, 0.85, 0.90, 1.10, 1.35, 1.45, 1.25, 0.70,
];

fn weekday_factor(d: NaiveDate) -> f64 {
    match d.weekday() {
        Weekday::Mon => 1.05,
        Weekday::Tue | Weekday::Wed | Weekday::Thu => 0.95,
        Weekday::Fri => 1.0,
        Weekday::Sat => 1.1,
        Weekday::Sun => 1.15,
    }
}

/// Campaign load: 国庆 week, the 双11 build-up and day, and the after-sales wave.
pub fn campaign_factor(d: NaiveDate) -> f64 {
    let (m, day) = (d.month(), d.day());
    match (m, day) {
        (10, 1..=7) => 1.4,
        (11, 1..=9) => 1.5,
        (11, 10) => 2.5,
        (11, 11) => 3.5,
        (11, 12..=16) => 1.8,
        _ => 1.0,
    }
}

/// Conversations per shop-day at scale 1: tuned so the default demo has ≈1.5 M messages.
const BASE_PER_DAY: f64 = 430.0;

struct Msg {
    conv: String,
    id: u64,
    ts: DateTime<Utc>,
    sender: &'static str,
    agent: Option<usize>,
    text: String,
    kind: &'static str,
}

struct Gen {
    rng: StdRng,
    shop: &'static Shop,
    agents: Vec<Agent>,
    next_msg: u64,
    next_order: u64,
    customers: u64,
    out: Output,
}

#[derive(Default)]
struct Output {
    messages: Vec<Msg>,
    orders: Vec<[String; 8]>,
    surveys: Vec<[String; 9]>,
    reviews: Vec<[String; 7]>,
    conversations: u64,
    /// Conversation id → customer id (exports name the buyer on every row).
    customer_by_conv: std::collections::HashMap<String, String>,
}

fn fill(rng: &mut StdRng, t: &str, product: &str, agent: &str) -> String {
    if !t.contains('{') {
        return t.to_string();
    }
    let mut s = t.replace("{p}", product).replace("{agent}", agent);
    if s.contains("{o}") {
        s = s.replace(
            "{o}",
            &format!(
                "{}",
                rng.random_range(100_000_000_000_000_000u64..999_999_999_999_999_999)
            ),
        );
    }
    if s.contains("{d}") {
        s = s.replace("{d}", &rng.random_range(2..8).to_string());
    }
    if s.contains("{phone}") {
        let prefix = ["138", "139", "186", "158", "177"][rng.random_range(0..5)];
        s = s.replace(
            "{phone}",
            &format!("{prefix}{:08}", rng.random_range(0..100_000_000u32)),
        );
    }
    if s.contains("{addr}") {
        let city = CITIES[rng.random_range(0..CITIES.len())];
        s = s.replace(
            "{addr}",
            &city.replace("{n}", &rng.random_range(1..300).to_string()),
        );
    }
    if s.contains("{company}") {
        s = s.replace("{company}", COMPANIES[rng.random_range(0..COMPANIES.len())]);
    }
    s
}

fn pick<'a>(rng: &mut StdRng, xs: &'a [&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn local(d: NaiveDate, secs: i64) -> DateTime<Utc> {
    let naive = d.and_time(NaiveTime::MIN) + Duration::seconds(secs);
    Shanghai
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn shop_hour(t: DateTime<Utc>) -> u32 {
    use chrono::Timelike;
    t.with_timezone(&Shanghai).hour()
}

impl Gen {
    fn new(shop: &'static Shop, seed: u64) -> Gen {
        let mut rng = StdRng::seed_from_u64(
            seed ^ (shop.code.as_bytes()[0] as u64) << 32 ^ shop.code.as_bytes()[1] as u64,
        );
        let speed: LogNormal<f64> =
            LogNormal::new(3.7, 0.55).unwrap_or_else(|_| LogNormal::new(0.0, 1.0).unwrap());
        let agents = (0..shop.agents)
            .map(|i| {
                let name = SURNAMES[i % SURNAMES.len()];
                Agent {
                    id: format!(
                        "{}-{}{}",
                        shop.code.to_lowercase(),
                        name,
                        i / SURNAMES.len() + 1
                    ),
                    speed: speed.sample(&mut rng).clamp(12.0, 240.0),
                    quality: rng.random_range(0.55..0.97),
                    sales: rng.random_range(0.12..0.45),
                    early: i % 2 == 0,
                }
            })
            .collect();
        Gen {
            rng,
            shop,
            agents,
            next_msg: 0,
            next_order: 0,
            customers: 0,
            out: Output::default(),
        }
    }

    fn msg(
        &mut self,
        conv: &str,
        ts: DateTime<Utc>,
        sender: &'static str,
        agent: Option<usize>,
        text: String,
        kind: &'static str,
    ) {
        self.next_msg += 1;
        self.out.messages.push(Msg {
            conv: conv.to_string(),
            id: self.next_msg,
            ts,
            sender,
            agent,
            text,
            kind,
        });
    }

    /// A random line of `xs` with its slots filled.
    fn say(&mut self, xs: &[&str], product: &str, agent: &str) -> String {
        let t = pick(&mut self.rng, xs);
        fill(&mut self.rng, t, product, agent)
    }

    fn on_duty(&mut self, hour: u32) -> usize {
        let early = (8..16).contains(&hour);
        let late = hour >= 15;
        let n = self.agents.len();
        for _ in 0..8 {
            let i = self.rng.random_range(0..n);
            let a = &self.agents[i];
            if (a.early && early) || (!a.early && late) || (!early && !late) {
                return i;
            }
        }
        self.rng.random_range(0..n)
    }

    /// Seconds until a human answers: the agent's speed, slowed by load, with the
    /// long right tail real response times have. Night messages wait for 08:00.
    fn reply_delay(&mut self, agent: usize, at: DateTime<Utc>, load: f64) -> i64 {
        let hour = shop_hour(at);
        let noise = LogNormal::new(0.0, 0.75)
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(1.0);
        let mut secs = self.agents[agent].speed * (0.6 + 0.55 * load) * noise;
        if self.rng.random_bool(0.03) {
            secs += self.rng.random_range(600.0..3600.0);
        }
        let mut delay = secs.max(3.0) as i64;
        if hour < 8 {
            let local = at.with_timezone(&Shanghai);
            let eight = local.date_naive().and_hms_opt(8, 0, 0).unwrap_or_default();
            let wait = (eight - local.naive_local()).num_seconds().max(0);
            delay += wait;
        }
        delay
    }

    fn conversation(&mut self, day: NaiveDate, load: f64) {
        let shop = self.shop;
        self.out.conversations += 1;
        let conv = format!(
            "{}{}{:08}",
            shop.code,
            day.format("%y%m%d"),
            self.out.conversations
        );
        // Hour by the daily profile, then a uniform second within it.
        let total: f64 = HOURLY.iter().sum();
        let mut x = self.rng.random_range(0.0..total);
        let mut hour = 0;
        for (h, w) in HOURLY.iter().enumerate() {
            if x < *w {
                hour = h;
                break;
            }
            x -= w;
        }
        let start = local(day, hour as i64 * 3600 + self.rng.random_range(0..3600));
        // One in five conversations is a returning customer.
        let customer = if self.customers > 50 && self.rng.random_bool(0.2) {
            self.rng.random_range(1..=self.customers)
        } else {
            self.customers += 1;
            self.customers
        };
        let customer_id = match shop.layout {
            Layout::Qianniu => format!("tb买家{customer:06}"),
            _ => format!("{}_u{customer:06}", shop.code.to_lowercase()),
        };
        let weights: Vec<f64> = CATEGORIES.iter().map(|c| c.1).collect();
        let cat = {
            let mut x = self.rng.random_range(0.0..weights.iter().sum::<f64>());
            let mut chosen = "other";
            // After 双11 the mix shifts to logistics and refunds.
            for (c, w) in CATEGORIES {
                let w =
                    if campaign_factor(day) >= 1.8 && matches!(*c, "logistics" | "refund_return") {
                        w * 1.6
                    } else {
                        *w
                    };
                if x < w {
                    chosen = c;
                    break;
                }
                x -= w;
            }
            chosen
        };
        self.out
            .customer_by_conv
            .insert(conv.clone(), customer_id.clone());
        let (product_id, product, price) = PRODUCTS[self.rng.random_range(0..PRODUCTS.len())];
        let mut t = start;
        let mut agent = self.on_duty(hour as u32);
        let agent_name = self.agents[agent].id.clone();
        let after_sales = !is_presale(cat);
        if after_sales {
            // The order this complaint is about, paid days before.
            let before = Duration::seconds(self.rng.random_range(86_400..12 * 86_400));
            self.order(&customer_id, product_id, price, start - before, true);
        }
        let ctx = ConvCtx {
            conv: &conv,
            cat,
            product_id,
            customer: &customer_id,
        };

        // Outbound: the agent writes first (excluded from FRT).
        if self.rng.random_bool(0.03) {
            let text = self.say(OUTBOUND, product, &agent_name);
            self.msg(&conv, t, "agent", Some(agent), text, "text");
            if self.rng.random_bool(0.5) {
                t += Duration::seconds(self.rng.random_range(30..1200));
                let text = pick(&mut self.rng, THANKS).to_string();
                self.msg(&conv, t, "customer", None, text, "text");
            }
            self.finish(&ctx, t, agent, true, false);
            return;
        }

        let opener = self.say(openers(cat), product, &agent_name);
        self.msg(&conv, t, "customer", None, opener, "text");
        if self.rng.random_bool(0.3) {
            t += Duration::seconds(self.rng.random_range(5..40));
            let text = self.say(followups(cat), product, &agent_name);
            self.msg(&conv, t, "customer", None, text, "text");
        }
        if self.rng.random_bool(shop.bot_rate) {
            t += Duration::seconds(self.rng.random_range(1..4));
            let text = pick(&mut self.rng, BOT_REPLIES).to_string();
            self.msg(&conv, t, "bot", None, text, "auto_reply");
            if self.rng.random_bool(0.22) {
                // The bot was enough.
                t += Duration::seconds(self.rng.random_range(10..90));
                let text = pick(&mut self.rng, THANKS).to_string();
                self.msg(&conv, t, "customer", None, text, "text");
                self.finish(&ctx, t, agent, false, true);
                return;
            }
            t += Duration::seconds(self.rng.random_range(8..60));
            let text = pick(&mut self.rng, TO_HUMAN).to_string();
            self.msg(&conv, t, "customer", None, text, "text");
            if shop.layout != Layout::Qianniu {
                t += Duration::seconds(1);
                let text = format!("已为您转接人工客服{}", self.agents[agent].id);
                self.msg(&conv, t, "system", None, text, "transfer");
            }
        }
        // Night visitors sometimes give up before anyone is there.
        if hour < 7 && self.rng.random_bool(0.35) {
            self.finish(&ctx, t, agent, false, false);
            return;
        }
        if shop.greeting {
            let text = self.say(GREETINGS, product, &agent_name);
            self.msg(
                &conv,
                t + Duration::seconds(1),
                "agent",
                Some(agent),
                text,
                "greeting",
            );
        }
        let rounds = 1
            + (self.rng.random_range(0.0f64..1.0).ln() / 0.45f64.ln())
                .floor()
                .min(4.0) as usize;
        let mut frt = None;
        for r in 0..rounds {
            let d = self.reply_delay(agent, t, load);
            frt.get_or_insert(d);
            t += Duration::seconds(d);
            let text = self.say(agent_replies(cat), product, &agent_name);
            self.msg(&conv, t, "agent", Some(agent), text, "text");
            if self.rng.random_bool(0.3) {
                t += Duration::seconds(self.rng.random_range(8..40));
                let text = self.say(agent_replies(cat), product, &agent_name);
                self.msg(&conv, t, "agent", Some(agent), text, "text");
            }
            if r + 1 < rounds {
                t += Duration::seconds(self.rng.random_range(15..400));
                let text = self.say(followups(cat), product, &agent_name);
                self.msg(&conv, t, "customer", None, text, "text");
                if self.rng.random_bool(0.04) {
                    // Handed to a colleague.
                    let next = self.on_duty(shop_hour(t));
                    if next != agent {
                        if shop.layout != Layout::Qianniu {
                            t += Duration::seconds(2);
                            let text = format!("会话已转接给{}", self.agents[next].id);
                            self.msg(&conv, t, "system", None, text, "transfer");
                        }
                        agent = next;
                    }
                }
            }
        }
        // A last customer message nobody answers.
        if self.rng.random_bool(0.04) {
            t += Duration::seconds(self.rng.random_range(30..600));
            let text = self.say(followups(cat), product, &agent_name);
            self.msg(&conv, t, "customer", None, text, "text");
            self.finish(&ctx, t, agent, false, false);
            return;
        }
        if self.rng.random_bool(0.6) {
            t += Duration::seconds(self.rng.random_range(10..200));
            let text = pick(&mut self.rng, THANKS).to_string();
            self.msg(&conv, t, "customer", None, text, "text");
            if self.rng.random_bool(0.7) {
                t += Duration::seconds(self.rng.random_range(5..60));
                let text = pick(&mut self.rng, CLOSINGS).to_string();
                self.msg(&conv, t, "agent", Some(agent), text, "text");
            }
        }
        let slow = frt.is_some_and(|f| f > 180);
        self.finish(&ctx, t, agent, true, !slow);
    }

    /// Resolution event, survey and order that follow a conversation.
    fn finish(&mut self, c: &ConvCtx, end: DateTime<Utc>, agent: usize, served: bool, fast: bool) {
        let shop = self.shop;
        let resolved = served && self.rng.random_bool(self.agents[agent].quality);
        if resolved && shop.resolve_events {
            let t = end + Duration::seconds(self.rng.random_range(30..300));
            self.msg(
                c.conv,
                t,
                "system",
                None,
                "会话已结束".to_string(),
                "resolve",
            );
        }
        if served && self.rng.random_bool(0.35) {
            let a = &self.agents[agent];
            let mut score = 2.6
                + 1.8 * a.quality
                + if resolved { 0.7 } else { -1.1 }
                + if fast { 0.3 } else { -0.6 }
                - if c.cat == "service" { 0.8 } else { 0.0 };
            score += Normal::new(0.0, 0.7)
                .map(|d| d.sample(&mut self.rng))
                .unwrap_or(0.0);
            let stars = score.round().clamp(1.0, 5.0) as i64;
            let ts = end + Duration::seconds(self.rng.random_range(60..900));
            let comment = if stars <= 2 {
                pick(&mut self.rng, SURVEY_COMMENTS_BAD).to_string()
            } else if stars == 5 && self.rng.random_bool(0.3) {
                pick(&mut self.rng, SURVEY_COMMENTS_GOOD).to_string()
            } else {
                String::new()
            };
            let agent_id = self.agents[agent].id.clone();
            let row = |score: String, scale: &str, dim: &str, comment: String| -> [String; 9] {
                [
                    c.conv.to_string(),
                    c.customer.to_string(),
                    agent_id.clone(),
                    ts.to_rfc3339(),
                    score,
                    scale.to_string(),
                    dim.to_string(),
                    comment,
                    shop.id.to_string(),
                ]
            };
            if shop.survey_scale == 3 {
                let word = match stars {
                    4..=5 => "满意",
                    3 => "一般",
                    _ => "不满意",
                };
                self.out
                    .surveys
                    .push(row(word.into(), "3", "overall", comment));
            } else {
                self.out
                    .surveys
                    .push(row(stars.to_string(), "5", "overall", comment));
                if shop.greeting {
                    // JD asks per dimension, and sometimes the 0–10 recommendation question.
                    let speed = if fast {
                        stars.max(3)
                    } else {
                        (stars - 1).max(1)
                    };
                    self.out
                        .surveys
                        .push(row(speed.to_string(), "5", "speed", String::new()));
                    self.out
                        .surveys
                        .push(row(stars.to_string(), "5", "attitude", String::new()));
                    if self.rng.random_bool(0.3) {
                        let nps = ((stars as f64 - 1.0) * 2.5 + self.rng.random_range(-1.0..1.0))
                            .round()
                            .clamp(0.0, 10.0);
                        self.out
                            .surveys
                            .push(row(nps.to_string(), "10", "nps", String::new()));
                    }
                }
            }
        }
        if served && is_presale(c.cat) && self.rng.random_bool(self.agents[agent].sales) {
            // Most buy the same day, some the next days, a few after the window.
            let delay = match self.rng.random_range(0..100) {
                0..=64 => self.rng.random_range(120..6 * 3600),
                65..=84 => self.rng.random_range(86_400..2 * 86_400),
                85..=93 => self.rng.random_range(2 * 86_400..3 * 86_400),
                _ => self.rng.random_range(4 * 86_400..6 * 86_400),
            };
            let (_, _, price) = PRODUCTS
                .iter()
                .find(|p| p.0 == c.product_id)
                .copied()
                .unwrap_or(PRODUCTS[0]);
            let paid = self.rng.random_bool(0.93);
            self.order(
                c.customer,
                c.product_id,
                price,
                end + Duration::seconds(delay),
                paid,
            );
        }
    }

    fn order(
        &mut self,
        customer: &str,
        product_id: &str,
        price: f64,
        at: DateTime<Utc>,
        paid: bool,
    ) {
        self.next_order += 1;
        let qty = if self.rng.random_bool(0.15) { 2.0 } else { 1.0 };
        let amount = (price * qty * self.rng.random_range(0.8..1.0) * 100.0).round() / 100.0;
        let paid_at = paid.then(|| at + Duration::seconds(self.rng.random_range(20..1800)));
        let order_id = format!("{}{:012}", self.shop.code, self.next_order);
        let status = if paid { "已付款" } else { "待付款" };
        self.out.orders.push([
            order_id.clone(),
            self.shop.id.to_string(),
            customer.to_string(),
            product_id.to_string(),
            at.to_rfc3339(),
            paid_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            format!("{amount:.2}"),
            status.to_string(),
        ]);
        if paid && self.rng.random_bool(0.25) {
            let ts = at + Duration::seconds(self.rng.random_range(2 * 86_400..10 * 86_400));
            let product = PRODUCTS
                .iter()
                .find(|p| p.0 == product_id)
                .map(|p| p.1)
                .unwrap_or("商品");
            let (rating, text) = match self.rng.random_range(0..100) {
                0..=1 => (5, pick(&mut self.rng, REVIEWS_SPAM).to_string()),
                2..=71 => (5, self.say(REVIEWS_GOOD, product, "")),
                72..=81 => (4, self.say(REVIEWS_GOOD, product, "")),
                82..=89 => (3, pick(&mut self.rng, REVIEWS_MID).to_string()),
                _ => (
                    self.rng.random_range(1..3),
                    self.say(REVIEWS_BAD, product, ""),
                ),
            };
            self.out.reviews.push([
                format!("R{order_id}"),
                self.shop.id.to_string(),
                product_id.to_string(),
                customer.to_string(),
                ts.to_rfc3339(),
                rating.to_string(),
                text,
            ]);
        }
    }
}

struct ConvCtx<'a> {
    conv: &'a str,
    cat: &'static str,
    product_id: &'static str,
    customer: &'a str,
}

fn generate_shop(shop: &'static Shop, cfg: &DemoConfig) -> Gen {
    let mut g = Gen::new(shop, cfg.seed);
    for d in 0..cfg.days {
        let day = cfg.start + Duration::days(d as i64);
        let load = weekday_factor(day) * campaign_factor(day);
        let mean = BASE_PER_DAY * cfg.scale * load;
        let n = (mean * g.rng.random_range(0.9..1.1)).round().max(0.0) as usize;
        for _ in 0..n {
            g.conversation(day, load);
        }
    }
    g
}

fn io_err(p: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: p.display().to_string(),
        source,
    }
}

/// A canonical CSV to write: file name, header, rows.
type CanonicalFile<'a> = (&'a str, &'a [&'a str], Vec<Vec<String>>);

/// Generates the demo data set into `dir`.
pub fn generate(dir: &Path, cfg: &DemoConfig) -> Result<DemoSummary, DemoError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let gens: Vec<Gen> = std::thread::scope(|s| {
        let handles: Vec<_> = SHOPS
            .iter()
            .map(|shop| s.spawn(move || generate_shop(shop, cfg)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut summary = DemoSummary::default();
    let mut orders = Vec::new();
    let mut surveys = Vec::new();
    let mut reviews = Vec::new();
    for g in gens {
        summary.messages += g.out.messages.len() as u64;
        summary.conversations += g.out.conversations;
        let layout = if cfg.canonical_only {
            Layout::Canonical
        } else {
            g.shop.layout
        };
        let (name, format) = match layout {
            Layout::Feige => (format!("{}_feige_chat.csv", g.shop.id), "feige"),
            Layout::Qianniu => (format!("{}_qianniu_chat.csv", g.shop.id), "qianniu"),
            Layout::Canonical => (format!("{}_messages.csv", g.shop.id), "kefu-csv"),
        };
        let path = dir.join(name);
        write_messages(&path, &g, layout)?;
        summary.files.push((path, format.to_string()));
        orders.extend(g.out.orders);
        surveys.extend(g.out.surveys);
        reviews.extend(g.out.reviews);
    }
    summary.orders = orders.len() as u64;
    summary.surveys = surveys.len() as u64;
    summary.reviews = reviews.len() as u64;
    let tables: [CanonicalFile; 3] = [
        (
            "orders.csv",
            &[
                "order_id",
                "shop_id",
                "customer_id",
                "product_id",
                "created_at",
                "paid_at",
                "amount",
                "status",
            ],
            orders.into_iter().map(Vec::from).collect(),
        ),
        (
            "surveys.csv",
            &[
                "conversation_id",
                "customer_id",
                "agent_id",
                "ts",
                "score",
                "scale",
                "dimension",
                "comment",
                "shop_id",
            ],
            surveys.into_iter().map(Vec::from).collect(),
        ),
        (
            "reviews.csv",
            &[
                "review_id",
                "shop_id",
                "product_id",
                "customer_id",
                "ts",
                "rating",
                "text",
            ],
            reviews.into_iter().map(Vec::from).collect(),
        ),
    ];
    for (name, header, rows) in tables {
        let path = dir.join(name);
        let mut w = csv::Writer::from_writer(std::io::BufWriter::new(
            std::fs::File::create(&path).map_err(io_err(&path))?,
        ));
        w.write_record(header)?;
        for r in rows {
            w.write_record(&r)?;
        }
        w.flush().map_err(io_err(&path))?;
        summary.files.push((path, "kefu-csv".into()));
    }
    Ok(summary)
}

fn sender_zh(s: &str) -> &'static str {
    match s {
        "customer" => "买家",
        "agent" => "客服",
        "bot" => "机器人",
        _ => "系统",
    }
}

fn kind_zh(k: &str) -> &'static str {
    match k {
        "auto_reply" => "自动回复",
        "transfer" => "转接",
        "resolve" => "会话结束",
        "greeting" => "欢迎语",
        _ => "文本",
    }
}

fn write_messages(path: &Path, g: &Gen, layout: Layout) -> Result<(), DemoError> {
    let shop = g.shop;
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&Shanghai)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let agent = |m: &Msg| m.agent.map(|a| g.agents[a].id.clone()).unwrap_or_default();
    let cust = |m: &Msg| {
        g.out
            .customer_by_conv
            .get(m.conv.as_str())
            .cloned()
            .unwrap_or_default()
    };
    let product = |m: &Msg| product_of(&m.text);
    match layout {
        Layout::Feige => {
            let mut buf = vec![0xEF, 0xBB, 0xBF];
            {
                let mut w = csv::Writer::from_writer(&mut buf);
                w.write_record([
                    "会话ID",
                    "消息ID",
                    "店铺名称",
                    "发送时间",
                    "发送方",
                    "客服昵称",
                    "买家昵称",
                    "消息内容",
                    "消息类型",
                    "商品ID",
                    "订单号",
                ])?;
                for m in &g.out.messages {
                    w.write_record([
                        m.conv.as_str(),
                        &format!("{}{:010}", shop.code, m.id),
                        shop.id,
                        &local(m.ts),
                        sender_zh(m.sender),
                        &agent(m),
                        &cust(m),
                        &m.text,
                        kind_zh(m.kind),
                        product(m),
                        "",
                    ])?;
                }
                w.flush().map_err(io_err(path))?;
            }
            std::fs::write(path, buf).map_err(io_err(path))?;
        }
        Layout::Qianniu => {
            let mut buf = Vec::new();
            {
                let mut w = csv::Writer::from_writer(&mut buf);
                w.write_record([
                    "买家旺旺",
                    "客服账号",
                    "发送人角色",
                    "时间",
                    "消息内容",
                    "宝贝ID",
                    "订单编号",
                    "店铺名称",
                ])?;
                for m in &g.out.messages {
                    let agent = m
                        .agent
                        .map(|a| format!("{}:{}", shop.id, g.agents[a].id))
                        .unwrap_or_default();
                    w.write_record([
                        &cust(m),
                        &agent,
                        sender_zh(m.sender),
                        &local(m.ts),
                        &m.text,
                        product(m),
                        "",
                        shop.id,
                    ])?;
                }
                w.flush().map_err(io_err(path))?;
            }
            // 千牛 exports open in Excel on Chinese Windows: GBK.
            let text = String::from_utf8_lossy(&buf);
            let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
            std::fs::write(path, gbk).map_err(io_err(path))?;
        }
        Layout::Canonical => {
            let f = std::fs::File::create(path).map_err(io_err(path))?;
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
            w.write_record([
                "message_id",
                "conversation_id",
                "shop_id",
                "platform",
                "channel",
                "ts",
                "sender",
                "agent_id",
                "customer_id",
                "text",
                "kind",
                "product_id",
                "order_id",
            ])?;
            for m in &g.out.messages {
                w.write_record([
                    &format!("{}{:010}", shop.code, m.id),
                    m.conv.as_str(),
                    shop.id,
                    shop.platform,
                    "chat",
                    &m.ts.with_timezone(&Shanghai).to_rfc3339(),
                    m.sender,
                    &agent(m),
                    &cust(m),
                    &m.text,
                    m.kind,
                    product(m),
                    "",
                ])?;
            }
            w.flush().map_err(io_err(path))?;
        }
    }
    Ok(())
}

/// The product a message names, for the product column of exports.
fn product_of(text: &str) -> &'static str {
    PRODUCTS
        .iter()
        .find(|p| text.contains(p.1))
        .map(|p| p.0)
        .unwrap_or("")
}
