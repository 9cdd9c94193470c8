#!/usr/bin/env node
// A stand-in for `kefu serve` during dashboard development: the API.md shapes over
// deterministic fixture data (3 shops × 90 days), filters and drill-downs applied.
// No dependencies.
//
//   node dev/mock-server.mjs [--port 18081] [--static dist] [--token T]
//
// --static serves a built dashboard with index.html as the fallback, so the e2e test
// can run against one port.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const PORT = Number(arg('port', process.env.PORT ?? 18081));
const STATIC = arg('static', null);
const TOKEN = arg('token', null);

// ---------------------------------------------------------------- fixture data

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const hash = (s) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);

const FIRST = '2026-08-25';
const DAYS = 90;
const SHOPS = [
  { id: 'dy-flagship', platform: 'douyin', code: 'dy', scale: 1.2, channels: ['chat'] },
  { id: 'tb-store', platform: 'taobao', code: 'tb', scale: 1.0, channels: ['chat'] },
  { id: 'jd-official', platform: 'jd', code: 'jd', scale: 0.8, channels: ['chat', 'email'] },
];
const NAMES = ['小美', '小雨', '阿杰', '小琳', '大伟', '小欣'];
const CATEGORIES = [
  ['usage_question', 0.22],
  ['logistics', 0.2],
  ['refund_return', 0.13],
  ['quality', 0.12],
  ['price', 0.1],
  ['after_sales', 0.07],
  ['payment_invoice', 0.06],
  ['service', 0.04],
  ['packaging', 0.03],
  ['other', 0.03],
];
const PRESALE = new Set(['usage_question', 'price', 'other']);
const PRODUCTS = [
  ['P1001', '保温杯', 89],
  ['P1002', '蓝牙耳机', 199],
  ['P1003', '连衣裙', 259],
  ['P1004', '面霜', 329],
  ['P1005', '电动牙刷', 239],
  ['P1006', '儿童书包', 149],
  ['P1007', '空气炸锅', 399],
  ['P1008', '运动鞋', 459],
  ['P1009', '坚果礼盒', 128],
  ['P1010', '手机壳', 39],
  ['P1011', '羽绒服', 699],
  ['P1012', '洗发水', 69],
];
const OPENERS = {
  usage_question: ['你好，这款{p}怎么用啊？说明书看不太懂', '请问{p}有没有其他颜色？', '{p}的尺码怎么选，我平时穿M'],
  logistics: ['我的快递怎么还没到？', '下单三天了还没发货，什么情况', '物流信息两天没更新了，能帮我查一下吗'],
  refund_return: ['{p}不想要了，怎么退货', '退款什么时候到账？', '申请了换货，一直没人处理'],
  quality: ['收到的{p}有划痕，质量太差了', '{p}用了两天就坏了', '{p}和图片差别很大'],
  price: ['{p}现在有优惠吗？', '双11的{p}能保价吗', '有没有满减券可以用'],
  after_sales: ['{p}坏了可以保修吗', '售后电话一直打不通', '维修要寄到哪里'],
  payment_invoice: ['怎么开发票？', '付款失败了，钱扣了订单没生成', '能开专票吗'],
  service: ['你们客服态度太差了', '问了半天没人回', '刚才那个客服很不耐烦'],
  packaging: ['包装破了，{p}漏出来了', '盒子压扁了', '能不能包装好一点，送人的'],
  other: ['在吗？', '你好，想咨询一下', '有人吗'],
};
const URGENT = ['再不处理我就打12315投诉', '不解决我就给差评，还要找律师', '我要投诉到平台，马上处理'];
const REPLIES = ['亲，您好，这边帮您查询一下', '非常抱歉给您带来不便，马上为您处理', '好的亲，已经为您登记', '亲，这个问题这边帮您反馈给仓库了', '感谢您的耐心等待'];
const BOT = ['您好，我是智能助手，请问有什么可以帮您？', '您可以在订单详情页查看物流信息哦'];
const KEYWORDS = ['快递', '退款', '发货', '质量', '优惠', '客服', '发票', '尺码', '保修', '包装', '物流', '差评'];

function pickWeighted(r, items) {
  let x = r() * items.reduce((s, i) => s + i[1], 0);
  for (const [v, w] of items) if ((x -= w) <= 0) return v;
  return items[0][0];
}

function addDays(d, n) {
  const x = new Date(`${d}T00:00:00Z`);
  x.setUTCDate(x.getUTCDate() + n);
  return x.toISOString().slice(0, 10);
}
const LAST = addDays(FIRST, DAYS - 1);
const weekdayOf = (d) => ((new Date(`${d}T00:00:00Z`).getUTCDay() + 6) % 7) + 1; // Monday = 1
const HOUR_WEIGHT = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.2, 3.2, 4, 4.2, 3.2, 3.4, 3.8, 3.9, 3.6, 3.2, 3, 3.4, 4.3, 4.8, 4, 2.2];

function generate() {
  const r = rng(20261111);
  const convs = [];
  for (const shop of SHOPS) {
    const agents = NAMES.map((n, i) => ({ id: `${shop.code}-${n}1`, speed: 20 + r() * 90, quality: 0.55 + r() * 0.4, sales: 0.15 + r() * 0.3, i }));
    shop.agents = agents;
    let n = 0;
    for (let d = 0; d < DAYS; d++) {
      const date = addDays(FIRST, d);
      const wd = weekdayOf(date);
      const md = date.slice(5);
      const campaign = md >= '11-01' && md <= '11-11' ? (md === '11-11' ? 4 : 2.2) : 1;
      const count = Math.round(38 * shop.scale * (wd >= 6 ? 1.25 : 1) * campaign * (0.85 + r() * 0.3));
      for (let k = 0; k < count; k++) {
        const hour = pickWeighted(r, HOUR_WEIGHT.map((w, h) => [h, w]));
        const minute = Math.floor(r() * 60);
        const second = Math.floor(r() * 60);
        const agent = agents[Math.floor(r() * agents.length)];
        const cat = pickWeighted(r, CATEGORIES);
        const categories = r() < 0.15 ? [cat, pickWeighted(r, CATEGORIES)].filter((c, i, a) => a.indexOf(c) === i) : [cat];
        const product = PRODUCTS[Math.floor(r() * PRODUCTS.length)];
        const load = campaign > 1 ? 1.8 : 1;
        const unanswered = r() < (campaign > 1 ? 0.08 : 0.04);
        const frt = unanswered ? null : Math.round(Math.exp(Math.log(agent.speed * load) + (r() - 0.5) * 1.6) * 10) / 10;
        const rounds = unanswered ? 0 : 1 + Math.floor(r() * 5);
        const resp = [];
        for (let i = 0; i < rounds; i++) resp.push(i === 0 ? frt : Math.round(Math.exp(Math.log(agent.speed * 0.8 * load) + (r() - 0.5) * 1.8)));
        const botRounds = r() < 0.5 ? 1 + Math.floor(r() * 2) : 0;
        const resolved = !unanswered && r() < agent.quality;
        const rated = !unanswered && r() < 0.4;
        let csat = null;
        if (rated) {
          const base = (resolved ? 4.3 : 2.6) - (frt > 180 ? 0.8 : 0) + (r() - 0.5) * 2;
          csat = Math.max(1, Math.min(5, Math.round(base)));
        }
        const dims = rated && shop.id === 'jd-official' ? { speed: Math.max(1, Math.min(5, csat - (frt > 120 ? 1 : 0))), attitude: csat } : {};
        const nps = rated && shop.id === 'jd-official' && r() < 0.3 ? Math.max(0, Math.min(10, Math.round((csat - 1) * 2.5 + (r() - 0.5) * 2))) : null;
        const inquiry = PRESALE.has(cat);
        const converted = inquiry && !unanswered && r() < agent.sales;
        const durationMin = 2 + Math.floor(r() * 25);
        const negative = ['quality', 'service', 'logistics', 'refund_return', 'after_sales'].includes(cat);
        const sentiment = Math.max(0, Math.min(1, (negative ? 0.3 : 0.7) + (r() - 0.5) * 0.5 - (csat !== null && csat <= 2 ? 0.2 : 0)));
        const urgent = negative && r() < 0.03;
        n++;
        convs.push({
          conversation_id: `${shop.code.toUpperCase()}-${date.replace(/-/g, '')}-${String(n).padStart(5, '0')}`,
          cycle: 0,
          shop_id: shop.id,
          channel: shop.channels[r() < 0.85 ? 0 : shop.channels.length - 1],
          platform: shop.platform,
          customer: `${shop.code}_u${String(Math.floor(r() * 40000)).padStart(6, '0')}`,
          date,
          hour,
          weekday: wd,
          local: `${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}`,
          durationMin,
          agent: unanswered ? null : agent.id,
          frt_secs: frt,
          resp,
          rounds_human: rounds,
          rounds_unanswered: unanswered ? 1 : 0,
          bot_rounds: botRounds,
          resolved,
          csat,
          dims,
          nps,
          inquiry,
          converted,
          amount: converted ? product[2] * (1 + Math.floor(r() * 2)) : 0,
          categories,
          product_ids: product[0],
          product_name: product[1],
          sentiment,
          urgent,
          customer_messages: rounds + 1 + botRounds,
        });
      }
    }
  }
  return convs;
}

const CONVS = generate();
const BY_ID = new Map(CONVS.map((c) => [c.conversation_id, c]));

// Instants go out in UTC, as the server writes them (the shops are on UTC+8).
function utc(local, plusSecs = 0) {
  return `${new Date(new Date(`${local}+08:00`).getTime() + plusSecs * 1000).toISOString().slice(0, 19)}Z`;
}

// ---------------------------------------------------------------- metrics

class BadRequest extends Error {}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return Math.round((sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo)) * 10) / 10;
}
function summary(values) {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  const mean = v.length ? Math.round((v.reduce((s, x) => s + x, 0) / v.length) * 10) / 10 : null;
  return { n: v.length, mean, p50: quantile(v, 0.5), p90: quantile(v, 0.9) };
}
const ratio = (a, b) => (b ? a / b : null);

function body(cs) {
  const resp = cs.flatMap((c) => c.resp);
  const humanRounds = resp.length;
  const unansweredRounds = cs.reduce((s, c) => s + c.rounds_unanswered, 0);
  const denom = humanRounds + unansweredRounds;
  const within = {};
  for (const [k, secs] of [['30s', 30], ['1m', 60], ['3m', 180], ['5m', 300], ['10m', 600], ['30m', 1800], ['1h', 3600]]) {
    within[k] = ratio(resp.filter((x) => x <= secs).length, denom);
  }
  const rated = cs.filter((c) => c.csat !== null);
  const dist = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  for (const c of rated) dist[c.csat]++;
  const dimScore = (scores) => ({
    responses: scores.length,
    csat_pct: scores.length ? (100 * scores.filter((s) => s >= 4).length) / scores.length : null,
    dissatisfied_pct: scores.length ? (100 * scores.filter((s) => s <= 2).length) / scores.length : null,
    mean: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
  });
  const by_dimension = { overall: dimScore(rated.map((c) => c.csat)) };
  for (const dim of ['speed', 'attitude']) {
    const s = cs.filter((c) => c.dims[dim] !== undefined).map((c) => c.dims[dim]);
    if (s.length) by_dimension[dim] = dimScore(s);
  }
  const npsScores = cs.filter((c) => c.nps !== null).map((c) => c.nps);
  const overall = by_dimension.overall;
  const inquiries = cs.filter((c) => c.inquiry);
  const converted = inquiries.filter((c) => c.converted);
  const amount = converted.reduce((s, c) => s + c.amount, 0);
  const resolved = cs.filter((c) => c.resolved);
  const agentMessages = cs.reduce((s, c) => s + c.rounds_human, 0);
  const customerMessages = cs.reduce((s, c) => s + c.customer_messages, 0);
  return {
    volume: {
      conversations: cs.length,
      customers: new Set(cs.map((c) => c.shop_id + c.customer)).size,
      customer_messages: customerMessages,
      agent_messages: agentMessages,
      bot_messages: cs.reduce((s, c) => s + c.bot_rounds, 0),
    },
    response: {
      frt_secs: summary(cs.map((c) => c.frt_secs)),
      frt_unanswered: cs.filter((c) => c.frt_secs === null).length,
      response_secs: summary(resp),
      rounds: { human: humanRounds, bot: cs.reduce((s, c) => s + c.bot_rounds, 0), unanswered: unansweredRounds },
      within,
      three_min_rate: within['3m'],
      three_min_rounds: resp.filter((x) => x <= 180).length,
      three_min_buyers: 0,
      not_served_rate: ratio(cs.filter((c) => c.frt_secs === null).length, cs.length),
      answer_ratio: ratio(agentMessages, customerMessages),
    },
    resolution: {
      resolved: resolved.length,
      rate: ratio(resolved.length, cs.length),
      inferred: resolved.length,
      explicit: 0,
      one_touch_rate: ratio(resolved.filter((c) => c.rounds_human <= 1).length, resolved.length),
      reopen_rate: resolved.length ? 0.04 : null,
      time_secs: summary(resolved.map((c) => c.durationMin * 60)),
    },
    satisfaction: {
      responses: rated.length,
      csat_pct: overall.csat_pct,
      dissatisfied_pct: overall.dissatisfied_pct,
      mean: overall.mean,
      response_rate: ratio(rated.length, cs.length),
      distribution: dist,
      nps: npsScores.length ? (100 * (npsScores.filter((s) => s >= 9).length - npsScores.filter((s) => s <= 6).length)) / npsScores.length : null,
      nps_responses: npsScores.length,
      by_dimension,
    },
    conversion: {
      inquiries: inquiries.length,
      converted: converted.length,
      rate: ratio(converted.length, inquiries.length),
      avg_order_value: converted.length ? amount / converted.length : null,
      order_amount: amount,
      converted_customers: converted.length,
    },
  };
}

const METRICS = {
  conversations: (cs) => cs.length,
  customers: (cs) => new Set(cs.map((c) => c.shop_id + c.customer)).size,
  customer_messages: (cs) => cs.reduce((s, c) => s + c.customer_messages, 0),
  agent_messages: (cs) => cs.reduce((s, c) => s + c.rounds_human, 0),
  frt_p50: (cs) => summary(cs.map((c) => c.frt_secs)).p50,
  frt_mean: (cs) => summary(cs.map((c) => c.frt_secs)).mean,
  response_p50: (cs) => summary(cs.flatMap((c) => c.resp)).p50,
  three_min_rate: (cs) => body(cs).response.three_min_rate,
  not_served_rate: (cs) => body(cs).response.not_served_rate,
  resolution_rate: (cs) => body(cs).resolution.rate,
  csat_pct: (cs) => body(cs).satisfaction.csat_pct,
  dissatisfied_pct: (cs) => body(cs).satisfaction.dissatisfied_pct,
  conversion_rate: (cs) => body(cs).conversion.rate,
  inquiries: (cs) => cs.filter((c) => c.inquiry).length,
  sentiment_mean: (cs) => (cs.length ? cs.reduce((s, c) => s + c.sentiment, 0) / cs.length : null),
  negative_share: (cs) => ratio(cs.filter((c) => c.sentiment < 0.4).length, cs.length),
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
function checkDate(q, name) {
  const v = q.get(name);
  if (v === null || v === '') return null;
  if (!DATE_RE.test(v) || Number.isNaN(new Date(`${v}T00:00:00Z`).getTime()) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new BadRequest(`${name}: not a date (YYYY-MM-DD): ${v}`);
  }
  return v;
}

function filtered(q) {
  const from = checkDate(q, 'from');
  const to = checkDate(q, 'to');
  const cohort = q.get('cohort');
  if (cohort && !['start', 'event'].includes(cohort)) throw new BadRequest(`cohort: expected start or event, got ${cohort}`);
  const shop = q.get('shop');
  const channel = q.get('channel');
  const agent = q.get('agent');
  const category = q.get('category');
  return CONVS.filter(
    (c) =>
      (!from || c.date >= from) &&
      (!to || c.date <= to) &&
      (!shop || c.shop_id === shop) &&
      (!channel || c.channel === channel) &&
      (!agent || c.agent === agent) &&
      (!category || c.categories.includes(category)),
  );
}

function periodOf(q) {
  return { from: q.get('from') || null, to: q.get('to') || null, tz: q.get('tz') || 'Asia/Shanghai', cohort: q.get('cohort') || 'start' };
}

function groupBy(cs, key) {
  const m = new Map();
  for (const c of cs) {
    for (const k of [].concat(key(c))) {
      if (k === null || k === undefined) continue;
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(c);
    }
  }
  return m;
}

function monday(d) {
  return addDays(d, -(weekdayOf(d) - 1));
}

const GRAIN_KEY = {
  hour: (c) => `${c.date} ${String(c.hour).padStart(2, '0')}`,
  day: (c) => c.date,
  week: (c) => monday(c.date),
  month: (c) => c.date.slice(0, 7),
  hour_of_day: (c) => String(c.hour).padStart(2, '0'),
};

// Labelled by their upper bound, as the server does (≤1m holds 30 s < x ≤ 60 s).
const BUCKETS = [
  ['≤30s', 0, 30],
  ['≤1m', 30, 60],
  ['≤3m', 60, 180],
  ['≤5m', 180, 300],
  ['≤10m', 300, 600],
  ['≤30m', 600, 1800],
  ['≤1h', 1800, 3600],
  ['>1h', 3600, null],
];
const inBucket = (x, lo, hi) => x !== null && (lo === 0 ? x <= hi : x > lo && (hi === null || x <= hi));

function bucketMatch(c, label, metric) {
  if (label === 'unanswered') return c.rounds_unanswered > 0;
  const b = BUCKETS.find((x) => x[0] === label);
  if (!b) throw new BadRequest(`bucket: unknown label ${label}`);
  const values = metric === 'response' ? c.resp : [c.frt_secs];
  return values.some((x) => inBucket(x, b[1], b[2]));
}

// A small reader of `where` predicates over conversation-fact columns, as the
// server's: clauses joined by AND, each `col op literal` (=, !=, <>, <, <=, >, >=,
// LIKE, NOT LIKE), `col IS [NOT] NULL`, or the dashboard's keyword subquery
// `conversation_id IN (SELECT conversation_id FROM messages WHERE … LIKE '%w%')`.
function parseWhere(src) {
  const sub = src.match(/^conversation_id IN \(SELECT conversation_id FROM messages WHERE .* LIKE '%(.*)%'\)$/i);
  if (sub) return [{ col: 'conversation_id', op: 'keyword', lit: sub[1].replace(/''/g, "'") }];
  const clauses = src.split(/\s+AND\s+/i);
  return clauses.map((cl) => {
    const s = cl.trim().replace(/^\(+|\)+$/g, '');
    let m = s.match(/^(\w+)\s+IS\s+(NOT\s+)?NULL$/i);
    if (m) return { col: m[1], op: m[2] ? 'notnull' : 'null' };
    m = s.match(/^(\w+)\s*(NOT\s+LIKE|LIKE|<=|>=|<>|!=|=|<|>)\s*(.+)$/i);
    if (!m) throw new BadRequest(`where: cannot read ${JSON.stringify(cl)}`);
    let lit = m[3].trim();
    if (/^'.*'$/.test(lit)) lit = lit.slice(1, -1).replace(/''/g, "'");
    else if (/^(true|false)$/i.test(lit)) lit = lit.toLowerCase() === 'true';
    else if (!Number.isNaN(Number(lit))) lit = Number(lit);
    else throw new BadRequest(`where: bad literal ${lit}`);
    return { col: m[1], op: m[2].toUpperCase().replace(/\s+/, ' '), lit };
  });
}

const FACT_COLUMNS = {
  conversation_id: (c) => c.conversation_id,
  shop_id: (c) => c.shop_id,
  channel: (c) => c.channel,
  platform: (c) => c.platform,
  customer: (c) => c.customer,
  first_agent: (c) => c.agent,
  last_agent: (c) => c.agent,
  conv_last_agent: (c) => c.agent,
  frt_secs: (c) => c.frt_secs,
  human_rounds: (c) => c.rounds_human,
  unanswered_rounds: (c) => c.rounds_unanswered,
  resolved: (c) => c.resolved,
  csat_score: (c) => c.csat,
  nps_score: (c) => c.nps,
  converted: (c) => c.converted,
  product_ids: (c) => c.product_ids,
  local_hour: (c) => c.hour,
  weekday: (c) => c.weekday,
  categories: (c) => c.categories.join(','),
};

function evalWhere(preds, c) {
  return preds.every(({ col, op, lit }) => {
    if (op === 'keyword') return messagesOf(c).some((m) => m.sender === 'customer' && m.text.includes(lit));
    if (!FACT_COLUMNS[col]) throw new BadRequest(`where: unknown column ${col}`);
    const v = FACT_COLUMNS[col](c);
    if (op === 'null') return v === null;
    if (op === 'notnull') return v !== null;
    if (v === null) return false;
    if (op === 'LIKE' || op === 'NOT LIKE') {
      const re = new RegExp(`^${String(lit).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`);
      return re.test(String(v)) === (op === 'LIKE');
    }
    switch (op) {
      case '=':
        return v === lit;
      case '!=':
      case '<>':
        return v !== lit;
      case '<':
        return v < lit;
      case '<=':
        return v <= lit;
      case '>':
        return v > lit;
      case '>=':
        return v >= lit;
    }
    return false;
  });
}

function toRow(c) {
  return {
    conversation_id: c.conversation_id,
    cycle: c.cycle,
    shop_id: c.shop_id,
    channel: c.channel,
    platform: c.platform,
    customer: c.customer,
    start: utc(c.local),
    end: utc(c.local, c.durationMin * 60),
    first_agent: c.agent,
    last_agent: c.agent,
    frt_secs: c.frt_secs,
    rounds_human: c.rounds_human,
    rounds_unanswered: c.rounds_unanswered,
    resolved: c.resolved,
    csat: c.csat,
    converted: c.converted,
    categories: c.categories,
  };
}

function intParam(q, name, lo, hi) {
  const v = q.get(name);
  if (v === null || v === '') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new BadRequest(`${name}: expected an integer ${lo}..${hi}, got ${v}`);
  return n;
}

function messagesOf(c) {
  const r = rng(hash(c.conversation_id));
  const product = c.product_name;
  const fill = (s) => s.replace('{p}', product);
  const at = (secs) => utc(c.local, secs);
  const out = [];
  let clock = 0;
  const customer = (text, cats = c.categories) =>
    out.push({ ts: at(clock), sender: 'customer', agent_id: null, text, kind: 'text', categories: cats, sentiment: Math.round(Math.max(0, Math.min(1, c.sentiment + (r() - 0.5) * 0.2)) * 100) / 100 });
  const opener = OPENERS[c.categories[0]];
  customer(fill(opener[Math.floor(r() * opener.length)]));
  for (let b = 0; b < c.bot_rounds; b++) {
    clock += 2;
    out.push({ ts: at(clock), sender: 'bot', agent_id: null, text: BOT[b % BOT.length], kind: 'auto_reply', categories: [], sentiment: null });
  }
  if (c.urgent) {
    clock += 20;
    customer(URGENT[Math.floor(r() * URGENT.length)]);
  }
  for (let i = 0; i < c.rounds_human; i++) {
    clock += c.resp[i] ?? 30;
    out.push({ ts: at(clock), sender: 'agent', agent_id: c.agent, text: REPLIES[(i + Math.floor(r() * 3)) % REPLIES.length], kind: 'text', categories: [], sentiment: null });
    if (i < c.rounds_human - 1) {
      clock += 20 + Math.floor(r() * 90);
      customer(['好的', '那大概什么时候能处理好？', '麻烦快一点', '谢谢'][Math.floor(r() * 4)], []);
    }
  }
  if (c.rounds_unanswered) {
    clock += 120;
    customer('有人吗？？');
  }
  if (c.resolved) {
    clock += 30;
    out.push({ ts: at(clock), sender: 'system', agent_id: null, text: '会话已结束', kind: 'resolve', categories: [], sentiment: null });
  }
  return out;
}

// ---------------------------------------------------------------- routes

const routes = {
  '/api/v1/meta': () => ({
    shops: SHOPS.map((s) => ({ id: s.id, timezone: 'Asia/Shanghai' })),
    channels: ['chat', 'email'],
    agents: SHOPS.flatMap((s) => s.agents.map((a) => a.id)),
    categories: CATEGORIES.map((c) => c[0]),
    date_range: { from: FIRST, to: LAST },
  }),
  '/api/v1/overview': (q) => ({ period: periodOf(q), ...body(filtered(q)), readings: { timezone: 'Asia/Shanghai', three_min_reading: 'per_round' }, breakdown: [] }),
  '/api/v1/series': (q) => {
    const metric = q.get('metric') ?? 'conversations';
    const grain = q.get('grain') ?? 'day';
    if (!METRICS[metric]) throw new BadRequest(`metric: unknown metric ${metric}`);
    if (!GRAIN_KEY[grain]) throw new BadRequest(`grain: expected hour, day, week, month or hour_of_day, got ${grain}`);
    const groups = groupBy(filtered(q), GRAIN_KEY[grain]);
    const points = [...groups.keys()].sort().map((t) => ({ t, value: METRICS[metric](groups.get(t)) }));
    return { metric, grain, points };
  },
  '/api/v1/heatmap': (q) => {
    const metric = q.get('metric') ?? 'conversations';
    if (!METRICS[metric]) throw new BadRequest(`metric: unknown metric ${metric}`);
    const cells = Array.from({ length: 7 }, () => Array(24).fill(0));
    const groups = groupBy(filtered(q), (c) => `${c.weekday - 1}:${c.hour}`);
    for (const [k, cs] of groups) {
      const [w, h] = k.split(':').map(Number);
      cells[w][h] = METRICS[metric](cs);
    }
    return { metric, weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], cells };
  },
  '/api/v1/distribution': (q) => {
    const metric = q.get('metric') ?? 'frt';
    if (!['frt', 'response'].includes(metric)) throw new BadRequest(`metric: expected frt or response, got ${metric}`);
    const cs = filtered(q);
    const values = metric === 'frt' ? cs.map((c) => c.frt_secs).filter((x) => x !== null) : cs.flatMap((c) => c.resp);
    const buckets = BUCKETS.map(([label, lo, hi]) => ({ label, lo, hi, count: values.filter((x) => inBucket(x, lo, hi)).length }));
    buckets.push({ label: 'unanswered', lo: null, hi: null, count: cs.reduce((s, c) => s + c.rounds_unanswered, 0) });
    return { metric, buckets };
  },
  '/api/v1/breakdown': (q) => {
    const by = q.get('by') ?? 'agent';
    // Like the server, rows without a value (no credited agent) are keyed '-'.
    const keys = {
      agent: (c) => c.agent ?? '-',
      shop: (c) => c.shop_id,
      channel: (c) => c.channel,
      platform: (c) => c.platform,
      category: (c) => c.categories,
      product: (c) => c.product_ids,
      day: (c) => c.date,
      hour: (c) => String(c.hour).padStart(2, '0'),
    };
    if (!keys[by]) throw new BadRequest(`by: unknown breakdown ${by}`);
    const groups = groupBy(filtered(q), keys[by]);
    return { by, rows: [...groups.keys()].sort().map((key) => ({ key, ...body(groups.get(key)) })) };
  },
  '/api/v1/compare': (q) => ({ a: { from: null, to: null, days: null }, b: { from: q.get?.('from') ?? null, to: null, days: null }, alpha: 0.05, by: null, metrics: [], breakdown: [] }),
  '/api/v1/drivers': () => ({ outcome: 'satisfied', n: 0, events: 0, alpha: 0.05, reference_levels: {}, pooled: {}, terms: [], dropped: [], pseudo_r2: 0, drivers: [] }),
  '/api/v1/spam': () => ({ messages: 0, reviews: 0, surveys: 0, included: false, items: [] }),
  '/api/v1/complaints': (q) => {
    const cs = filtered(q);
    const groups = groupBy(cs, (c) => c.categories);
    const categories = [...groups.entries()].map(([category, g]) => ({
      category,
      conversations: g.length,
      share: ratio(g.length, cs.length),
      negative_share: ratio(g.filter((c) => c.sentiment < 0.4).length, g.length),
    }));
    const days = groupBy(cs, (c) => c.date);
    const sentiment = [...days.keys()].sort().map((t) => {
      const g = days.get(t);
      return { t, mean: METRICS.sentiment_mean(g), negative_share: METRICS.negative_share(g), messages: g.reduce((s, c) => s + c.customer_messages, 0) };
    });
    const r = rng(cs.length);
    const keywords = KEYWORDS.map((word, i) => ({ word, weight: Math.round((1 - i * 0.06 - r() * 0.05) * 100) / 100, count: Math.round((cs.length / (6 + i)) * (0.8 + r() * 0.4)) }));
    const urgent = cs
      .filter((c) => c.urgent)
      .slice(-50)
      .reverse()
      .map((c) => {
        const m = messagesOf(c).find((x) => URGENT.includes(x.text));
        return { conversation_id: c.conversation_id, ts: m?.ts ?? utc(c.local), shop_id: c.shop_id, text: m?.text ?? '', categories: c.categories };
      });
    return { categories, sentiment, keywords: cs.length ? keywords : [], urgent };
  },
  '/api/v1/conversations': (q) => {
    let cs = filtered(q);
    const weekday = intParam(q, 'weekday', 1, 7);
    const hour = intParam(q, 'hour', 0, 23);
    const date = checkDate(q, 'date');
    const bucket = q.get('bucket');
    const metric = q.get('metric') || 'frt';
    const where = q.get('where');
    if (weekday !== null) cs = cs.filter((c) => c.weekday === weekday);
    if (hour !== null) cs = cs.filter((c) => c.hour === hour);
    if (date) cs = cs.filter((c) => c.date === date);
    if (bucket) cs = cs.filter((c) => bucketMatch(c, bucket, metric));
    if (where) {
      const preds = parseWhere(where);
      cs = cs.filter((c) => evalWhere(preds, c));
    }
    const sort = q.get('sort') || 'start';
    const desc = (q.get('order') || 'desc') !== 'asc';
    const rows = cs.map(toRow);
    if (rows.length && !(sort in rows[0])) throw new BadRequest(`sort: unknown column ${sort}`);
    rows.sort((a, b) => {
      const x = a[sort];
      const y = b[sort];
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (desc ? -1 : 1);
    });
    const limit = intParam(q, 'limit', 1, 1000) ?? 50;
    const offset = intParam(q, 'offset', 0, 1e9) ?? 0;
    return { total: rows.length, rows: rows.slice(offset, offset + limit) };
  },
};

function conversation(id, shop) {
  const c = BY_ID.get(id);
  if (!c || (shop && c.shop_id !== shop)) return null;
  return { conversation: toRow(c), messages: messagesOf(c) };
}

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'kefu (mock)', version: '1' },
  paths: Object.fromEntries(Object.keys(routes).map((p) => [p, { get: { responses: { 200: { description: 'ok' } } } }])),
};

// ---------------------------------------------------------------- server

function send(res, status, body, type = 'application/json; charset=utf-8') {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(data);
}
const error = (res, status, code, message) => send(res, status, { error: { code, message } });

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

function serveStatic(res, pathname) {
  const root = path.resolve(STATIC);
  let file = path.resolve(root, `.${decodeURIComponent(pathname)}`);
  if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
  send(res, 200, fs.readFileSync(file), MIME[path.extname(file)] ?? 'application/octet-stream');
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  try {
    if (p === '/healthz') return send(res, 200, 'ok', 'text/plain');
    if (p.startsWith('/api/')) {
      if (TOKEN && req.headers.authorization !== `Bearer ${TOKEN}`) return error(res, 401, 'unauthorized', 'missing or wrong bearer token');
      if (p === '/api/v1/openapi.json') return send(res, 200, OPENAPI);
      if (p === '/api/v1/docs') return send(res, 200, '<!doctype html><title>kefu API (mock)</title><p>See <a href="openapi.json">openapi.json</a>.', 'text/html; charset=utf-8');
      if (p === '/api/v1/sql') return error(res, 403, 'forbidden', 'the mock server runs no SQL');
      const m = p.match(/^\/api\/v1\/conversations\/(.+)$/);
      if (m) {
        const c = conversation(decodeURIComponent(m[1]), url.searchParams.get('shop'));
        return c ? send(res, 200, c) : error(res, 404, 'not_found', `no conversation ${m[1]}`);
      }
      const handler = routes[p];
      if (!handler) return error(res, 404, 'not_found', `no route ${p}`);
      return send(res, 200, handler(url.searchParams));
    }
    if (STATIC) return serveStatic(res, p);
    return error(res, 404, 'not_found', `no route ${p}`);
  } catch (e) {
    if (e instanceof BadRequest) return error(res, 400, 'bad_request', e.message);
    console.error(e);
    return error(res, 500, 'internal', String(e?.message ?? e));
  }
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`kefu mock API on http://127.0.0.1:${PORT} (${CONVS.length} conversations${STATIC ? `, serving ${STATIC}` : ''}${TOKEN ? ', token required' : ''})`);
});
