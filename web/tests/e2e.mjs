#!/usr/bin/env node
// Browser test of the kefu dashboard against a running server.
//
//   KEFU_URL=http://127.0.0.1:18080 [KEFU_TOKEN=…] [KEFU_ARTIFACTS=dir] node web/tests/e2e.mjs
//
// Drives Chromium (CHROMIUM, default /usr/bin/chromium) through every page, a filter
// change, chart drill-downs (real mouse clicks on the canvas), the transcript, the
// language switch and the phone layout; saves screenshots. Exits non-zero on any miss.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = (process.env.KEFU_URL ?? '').replace(/\/+$/, '');
if (!BASE) {
  console.error('e2e: set KEFU_URL to the dashboard base URL (e.g. http://127.0.0.1:18080)');
  process.exit(2);
}
const TOKEN = process.env.KEFU_TOKEN || null;
const ARTIFACTS = path.resolve(process.env.KEFU_ARTIFACTS ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts'));
const TIMEOUT = Number(process.env.KEFU_E2E_TIMEOUT ?? 30_000);
const PAGES = ['overview', 'volume', 'response', 'satisfaction', 'complaints', 'agents', 'compare', 'drivers', 'conversations'];

fs.mkdirSync(ARTIFACTS, { recursive: true });

const failures = [];
/** Ends the run early, its reason already recorded. */
class Stop extends Error {}
let current = '';

async function step(name, fn) {
  current = name;
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    const msg = String(e?.message ?? e).split('\n')[0];
    failures.push(`${name}: ${msg}`);
    console.log(`FAIL ${name}: ${msg}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
});

async function newPage(viewport, { token = TOKEN } = {}) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  if (token) await context.addInitScript((t) => localStorage.setItem('kefu.token', t), token);
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', (e) => failures.push(`${current}: uncaught error in the page: ${e.message}`));
  return page;
}

const sel = (id) => `[data-testid="${id}"]`;

/** Waits until no chart box of the page is loading; returns their states. */
async function chartsSettled(page) {
  await page.waitForFunction(
    () => {
      const boxes = [...document.querySelectorAll('[data-chart]')];
      return boxes.length > 0 && boxes.every((b) => b.dataset.state !== 'loading');
    },
    null,
    { timeout: TIMEOUT },
  );
  return page.$$eval('[data-chart]', (boxes) => boxes.map((b) => ({ name: b.dataset.chart, state: b.dataset.state, ready: b.dataset.ready === '1' })));
}

/** Non-transparent pixels drawn on a chart's canvas. */
function inkOf(page, name) {
  return page.evaluate((n) => {
    const c = document.querySelector(`[data-chart="${n}"] canvas`);
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 16) if (d[i] > 0) ink++;
    return ink;
  }, name);
}

async function expectChartsWithData(page, label) {
  const states = await chartsSettled(page);
  const bad = states.filter((s) => !s.ready);
  assert(!bad.length, `${label}: charts without data: ${bad.map((s) => `${s.name} (${s.state})`).join(', ')}`);
  for (const s of states) {
    const ink = await inkOf(page, s.name);
    assert(ink > 50, `${label}: chart ${s.name} has a blank canvas`);
  }
  return states.map((s) => s.name);
}

async function expectNoBanner(page, label) {
  const text = await page.$eval(sel('error-banner'), (b) => (b.hidden ? '' : b.textContent));
  assert(!text, `${label}: error banner shows "${text}"`);
}

/** Waits for a conversation list with rows; returns the total. */
async function expectConversationRows(page) {
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid="conv-total"]');
    return t && (t.dataset.total !== undefined || document.querySelector('[data-testid="error-banner"]:not([hidden])'));
  });
  await expectNoBanner(page, 'conversations');
  const total = Number(await page.$eval(sel('conv-total'), (t) => t.dataset.total));
  assert(total > 0, `the conversation list is empty (${page.url()})`);
  assert((await page.$$(sel('conv-row'))).length > 0, 'no conversation rows shown');
  return total;
}

/** Clicks with the real mouse at a data point of a chart (ECharts gives the pixel). */
async function clickChartAt(page, name, value) {
  const at = await page.evaluate(
    ([n, v]) => {
      const chart = window.__kefuCharts[n];
      const px = chart.convertToPixel({ seriesIndex: 0 }, v);
      const r = document.querySelector(`[data-chart="${n}"] .chart-host`).getBoundingClientRect();
      return [r.left + px[0], r.top + px[1]];
    },
    [name, value],
  );
  await page.mouse.click(at[0], at[1]);
}

/** A full-page screenshot once chart animations (300 ms) have finished. */
async function shot(page, file) {
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(ARTIFACTS, file), fullPage: true });
}

function query(url) {
  return new URLSearchParams(new URL(url).hash.split('?')[1] ?? '');
}

const kpiText = (page, key) => page.$eval(`${sel(`kpi-${key}`)} .kpi-value`, (e) => e.textContent.trim());

async function waitKpis(page) {
  await page.waitForFunction(() => {
    const v = [...document.querySelectorAll('[data-kpi] .kpi-value')];
    return v.length > 0 && v.every((e) => !e.classList.contains('skeleton'));
  });
}

try {
  const page = await newPage({ width: 1280, height: 800 });

  await step('healthz answers', async () => {
    const res = await page.request.get(`${BASE}/healthz`);
    assert(res.ok(), `/healthz answered ${res.status()}`);
  });
  // Nothing else can pass without a server.
  if (failures.length) throw new Stop();

  await step('overview shows KPI numbers', async () => {
    await page.goto(`${BASE}/#/overview`);
    await page.waitForFunction(() => location.hash.includes('from='));
    await waitKpis(page);
    await expectNoBanner(page, 'overview');
    const keys = await page.$$eval('[data-kpi]', (cards) => cards.map((c) => c.dataset.kpi));
    for (const k of ['conversations', 'customers', 'frt_p50', 'response_p50', 'three_min_rate', 'not_served_rate', 'resolution_rate', 'csat_pct', 'conversion_rate', 'avg_order_value']) {
      assert(keys.includes(k), `KPI card ${k} missing`);
    }
    const conv = await kpiText(page, 'conversations');
    assert(/[1-9]/.test(conv), `conversations KPI is "${conv}"`);
    const withNumbers = await page.$$eval('[data-kpi] .kpi-value', (v) => v.filter((e) => /\d/.test(e.textContent)).length);
    assert(withNumbers >= 6, `only ${withNumbers} KPI cards show a number`);
  });

  for (const p of PAGES) {
    await step(`page ${p} renders`, async () => {
      await page.click(sel(`nav-${p}`));
      await page.waitForFunction((name) => location.hash.startsWith(`#/${name}`), p);
      await page.waitForSelector(sel(`page-${p}`));
      if (p === 'conversations') await expectConversationRows(page);
      else if (p === 'compare') await page.waitForSelector(sel('compare-row'));
      else if (p === 'drivers') await page.waitForSelector(sel('forest-term'));
      else {
        const names = await expectChartsWithData(page, p);
        assert(names.length > 0, `${p} has no charts`);
      }
      if (p === 'overview') await waitKpis(page);
      if (p === 'agents') assert((await page.$$(sel('agent-row'))).length > 0, 'agents table has no rows');
      if (p === 'complaints') await page.waitForFunction(() => !document.querySelector('[data-testid="urgent-list"]')?.textContent.includes('…'));
      await expectNoBanner(page, p);
      await shot(page, `${p}.png`);
    });
  }

  await step('a filter (shop) changes the URL and a KPI', async () => {
    await page.click(sel('nav-overview'));
    await waitKpis(page);
    const before = await kpiText(page, 'conversations');
    // A shop, or with a single shop another filter with a choice to make.
    let key = null;
    let value = null;
    for (const k of ['shop', 'agent', 'channel']) {
      const values = await page.$$eval(`${sel(`filter-${k}`)} option`, (o) => o.map((x) => x.value).filter(Boolean));
      if (values.length > 1) {
        [key, value] = [k, values[0]];
        break;
      }
    }
    assert(key, 'no shop, agent or channel filter offers two values');
    await page.selectOption(sel(`filter-${key}`), value);
    await page.waitForFunction(([k, v]) => new URLSearchParams(location.hash.split('?')[1]).get(k) === v, [key, value]);
    const changed = await page
      .waitForFunction(([b]) => {
        const v = document.querySelector('[data-kpi="conversations"] .kpi-value');
        return v && !v.classList.contains('skeleton') && v.textContent.trim() !== b;
      }, [before])
      .then(() => true, () => false);
    assert(changed, `conversations KPI stayed ${before} with ${key}=${value}`);
    console.log(`     conversations ${before} → ${await kpiText(page, 'conversations')} with ${key}=${value}`);
    await page.goBack();
    await page.waitForFunction((k) => !new URLSearchParams(location.hash.split('?')[1]).has(k), key);
  });

  await step('heatmap cell click (mouse) drills to conversations', async () => {
    await page.click(sel('nav-volume'));
    await chartsSettled(page);
    const cell = await page.evaluate(() => {
      const data = window.__kefuCharts.heatmap.getOption().series[0].data;
      return data.reduce((best, d) => (d[2] > best[2] ? d : best));
    });
    await clickChartAt(page, 'heatmap', [cell[0], cell[1]]);
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    const q = query(page.url());
    assert(q.get('weekday') === String(cell[1] + 1) && q.get('hour') === String(cell[0]), `expected weekday=${cell[1] + 1}&hour=${cell[0]}, got ${q}`);
    assert(q.get('from') && q.get('to'), 'the drill-down lost the period filters');
    await page.waitForSelector(sel('drill-weekday'));
    assert((await page.$eval(sel('drill-weekday'), (e) => e.value)) === String(cell[1] + 1), 'weekday select does not show the drill-down');
    const total = await expectConversationRows(page);
    console.log(`     weekday ${cell[1] + 1} hour ${cell[0]}: ${total} conversations`);
  });

  await step('week grain: a series point drills to its week', async () => {
    await page.click(sel('nav-volume'));
    await chartsSettled(page);
    await page.click(sel('grain-week'));
    await page.waitForFunction(() => location.hash.includes('grain=week'));
    await page.waitForFunction(() => document.querySelector('[data-chart="volume-series"]')?.dataset.state === 'ready');
    const weeks = await page.evaluate(() => window.__kefuCharts['volume-series'].getOption().xAxis[0].data);
    assert(weeks.length > 0, 'no weeks in the series');
    await page.evaluate((i) => window.__kefuPick('volume-series', i, 0), weeks.length - 1);
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    const q = query(page.url());
    const days = (Date.parse(q.get('to')) - Date.parse(q.get('from'))) / 86_400_000;
    assert(q.get('from') === weeks[weeks.length - 1] && days === 6, `expected the week of ${weeks[weeks.length - 1]}, got ${q}`);
    await expectConversationRows(page);
  });

  await step('a row opens its transcript', async () => {
    const id = await page.$eval(sel('conv-row'), (r) => r.dataset.id);
    await page.click(`${sel('conv-row')} >> nth=0`);
    await page.waitForFunction((i) => document.querySelector('[data-testid="transcript"]')?.dataset.id === i, id);
    const senders = await page.$$eval(`${sel('transcript')} ${sel('msg')}`, (m) => m.map((x) => x.dataset.sender));
    assert(senders.length > 0, 'the transcript has no messages');
    assert(senders.includes('customer'), 'the transcript has no customer message');
    assert(query(page.url()).get('open') === id, 'the open conversation is not in the URL');
    await shot(page, 'transcript.png');
    console.log(`     ${id}: ${senders.length} messages`);
  });

  await step('distribution bar click (mouse) drills to conversations', async () => {
    await page.click(sel('nav-response'));
    await chartsSettled(page);
    const [idx, count, label] = await page.evaluate(() => {
      const chart = window.__kefuCharts['frt-dist'];
      const opt = chart.getOption();
      const values = opt.series[0].data;
      let i = 0;
      values.forEach((v, j) => (v > values[i] ? (i = j) : 0));
      return [i, values[i], opt.xAxis[0].data[i]];
    });
    await clickChartAt(page, 'frt-dist', [idx, count / 2]);
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    const q = query(page.url());
    assert(q.get('metric') === 'frt' && q.get('bucket'), `expected bucket+metric=frt, got ${q}`);
    const total = await expectConversationRows(page);
    console.log(`     bucket ${label}: ${total} conversations`);
  });

  await step('category bar (ECharts pick) drills to conversations', async () => {
    await page.click(sel('nav-complaints'));
    await chartsSettled(page);
    const href = await page.evaluate(() => window.__kefuPick('categories', 0, 0));
    assert(href, 'the categories chart gave no drill-down');
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    const category = query(page.url()).get('category');
    assert(category, `no category in ${page.url()}`);
    await expectConversationRows(page);
    assert(await page.$eval(sel('filter-category'), (e, c) => e.value === c, category), 'the category filter does not show the drill-down');
  });

  await step('keyword bar (ECharts pick) drills to conversations', async () => {
    await page.click(sel('nav-complaints'));
    await chartsSettled(page);
    const href = await page.evaluate(() => window.__kefuPick('keywords', 0, 0));
    assert(href, 'the keywords chart gave no drill-down');
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    assert(query(page.url()).get('where'), `no where in ${page.url()}`);
    await expectConversationRows(page);
  });

  await step('survey-comment bar (ECharts pick) drills to conversations', async () => {
    // Without the category the earlier drill-down left in the filters: comments of
    // one category may be none.
    await page.goto(`${BASE}/#/complaints`);
    await chartsSettled(page);
    const head = await page.textContent('[data-testid="urgent-head"]');
    assert(/\(\d+\)/.test(head), `the urgent heading shows no count: "${head}"`);
    const href = await page.evaluate(() => window.__kefuPick('comments', 0, 0));
    assert(href, 'the survey comments chart gave no drill-down');
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    assert((query(page.url()).get('where') || '').includes('surveys'), `no surveys subquery in ${page.url()}`);
    await expectConversationRows(page);
  });

  await step('intent bar drills to the conversations of that intent', async () => {
    await page.click(sel('nav-complaints'));
    await chartsSettled(page);
    const href = await page.evaluate(() => window.__kefuPick('intents', 0, 0));
    assert(href, 'the intents chart gave no drill-down');
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    assert((query(page.url()).get('where') || '').includes('intent'), `no intent subquery in ${page.url()}`);
    await expectConversationRows(page);
  });

  await step('complaints page: sentiment cards, spam count, intents by agent drill', async () => {
    await page.goto(`${BASE}/#/complaints`);
    await chartsSettled(page);
    await page.waitForFunction(() => !document.querySelector('[data-testid="kpi-complaint_rate"] .kpi-value')?.classList.contains('skeleton'));
    for (const k of ['complaint_rate', 'negative_conv_rate', 'ended_negative_rate', 'calmed_rate']) {
      const v = await page.$eval(sel(`kpi-${k}`), (e) => e.dataset.value);
      assert(v !== '' && Number(v) >= 0 && Number(v) <= 1, `${k} card shows no rate: "${v}"`);
    }
    await page.waitForFunction(() => document.querySelector('[data-testid="spam-head"]')?.dataset.count !== undefined);
    const spam = await page.$eval(sel('spam-head'), (e) => Number(e.dataset.count));
    const api = await (await fetch(`${BASE}/api/v1/spam`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {} })).json();
    assert(spam === api.messages + api.reviews + api.surveys, `spam heading ${spam} vs API ${JSON.stringify(api).slice(0, 200)}`);
    await page.waitForSelector(`${sel('intent-agents')} a[data-n]`);
    const link = await page.$eval(`${sel('intent-agents')} a[data-n]`, (a) => a.getAttribute('href'));
    await page.goto(`${BASE}/${link}`);
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    const where = query(page.url()).get('where') || '';
    assert(where.includes('conv_last_agent') && where.includes('intent'), `intent × agent cell drilled to ${where}`);
    await expectConversationRows(page);
  });

  await step('agents table shows calmed-after-reply per agent', async () => {
    await page.goto(`${BASE}/#/agents`);
    await page.waitForSelector(sel('agent-row'));
    const heads = await page.$$eval(`${sel('agents-table')} th`, (ths) => ths.map((t) => t.textContent));
    assert(heads.some((x) => /安抚|Calmed/.test(x)), `no calmed column: ${heads}`);
  });

  await step('KPI cards say whether a change is significant, in words on hover', async () => {
    await page.goto(`${BASE}/#/overview`);
    await waitKpis(page);
    await page.waitForSelector(`[data-kpi="frt_p50"] ${sel('kpi-sig')}`);
    const title = await page.$eval('[data-kpi="frt_p50"] .kpi-delta', (e) => e.title);
    // In the UI's language (zh-CN here): the metric, both sides and the verdict.
    assert(/显著|无法检验/.test(title) && title.includes('首响') && title.includes('→'), `hover says "${title}"`);
    const flags = await page.$$eval('[data-kpi]', (cs) => cs.map((c) => c.dataset.significant).filter((v) => v !== undefined));
    assert(flags.length >= 6, `only ${flags.length} cards carry a significance mark`);
  });

  await step('anomalies: listed on the overview, marked on the trends, each opens its conversations', async () => {
    await page.goto(`${BASE}/#/overview`);
    await page.waitForFunction(() => {
      const l = document.querySelector('[data-testid="anomaly-list"]');
      return l && !l.querySelector('.muted');
    });
    const items = await page.$$eval(sel('anomaly-item'), (l) => l.map((x) => ({ metric: x.dataset.metric, t: x.dataset.t, text: x.textContent, href: x.querySelector('a').getAttribute('href') })));
    assert(items.length > 0, 'no anomaly listed for the demo period');
    // The sentence is Chinese in the Chinese UI, and the link is the conversations of that day.
    assert(/预期/.test(items[0].text), `sentence "${items[0].text}"`);
    const first = items[0];
    await page.click(`${sel('anomaly-item')} >> nth=0 >> a`);
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    const q = query(page.url());
    assert(q.get('from') === first.t.slice(0, 10) && q.get('to') === first.t.slice(0, 10), `expected the day ${first.t}, got ${q}`);
    if (first.metric.startsWith('category:')) assert(q.get('category') === first.metric.slice(9), `no category in ${q}`);
    await expectConversationRows(page);
    // Day anomalies of conversations are pins on the volume series; picking one opens its day.
    const api = await (
      await fetch(`${BASE}/api/v1/anomalies?metric=conversations&grain=day`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {} })
    ).json();
    await page.goto(`${BASE}/#/volume?grain=day`);
    await page.waitForFunction(() => document.querySelector('[data-chart="volume-series"]')?.dataset.state === 'ready');
    const [xs, pins] = await page.evaluate(() => {
      const o = window.__kefuCharts['volume-series'].getOption();
      return [o.xAxis[0].data, (o.series[0].markPoint?.data ?? []).map((d) => d.coord[0])];
    });
    const inView = api.anomalies.filter((a) => xs.includes(a.t)).map((a) => a.t);
    assert(JSON.stringify([...pins].sort()) === JSON.stringify([...inView].sort()), `pins ${pins} vs API ${inView}`);
    if (pins.length) {
      await page.evaluate((i) => window.__kefuPick('volume-series', i, 0), xs.indexOf(pins[0]));
      await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
      assert(query(page.url()).get('from') === pins[0], `pin ${pins[0]} opened ${page.url()}`);
      await expectConversationRows(page);
    }
    // The category trend and the FRT band draw, with the API's marks.
    await page.goto(`${BASE}/#/complaints`);
    await page.waitForFunction(() => document.querySelector('[data-chart="category-trend"]')?.dataset.state === 'ready');
    const lines = await page.evaluate(() => window.__kefuCharts['category-trend'].getOption().series.length);
    assert(lines >= 2, `only ${lines} category lines`);
    await page.goto(`${BASE}/#/response`);
    await page.waitForFunction(() => document.querySelector('[data-chart="frt-band"]')?.dataset.state === 'ready');
    const band = await page.evaluate(() => window.__kefuCharts['frt-band'].getOption().series.map((s) => s.name));
    assert(band.length === 4, `frt band series ${band}`);
    await shot(page, 'response-band.png');
    console.log(`     ${items.length} listed, ${pins.length} pins on the volume series; first: ${first.text}`);
  });

  await step('compare page: every metric with its test, a breakdown by agent, baselines switch', async () => {
    await page.goto(`${BASE}/#/compare`);
    await page.waitForSelector(sel('compare-row'));
    const rows = await page.$$eval(sel('compare-row'), (r) => r.map((x) => [x.dataset.metric, x.dataset.significant, x.title]));
    assert(rows.length >= 20, `only ${rows.length} metrics compared`);
    for (const m of ['frt_secs', 'three_min_rate', 'csat_pct', 'nps']) assert(rows.some((r) => r[0] === m), `no ${m} row`);
    assert(rows.every((r) => r[2].length > 10), 'a row has no sentence');
    await page.waitForSelector(sel('compare-key'));
    // The API's answer for the same view is what the table shows.
    const q = query(page.url());
    const api = await (
      await fetch(`${BASE}/api/v1/compare?from=${q.get('from')}&to=${q.get('to')}&vs=previous&by=agent`, { headers: TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {} })
    ).json();
    const sig = api.metrics.filter((m) => m.significant).map((m) => m.metric).sort();
    const shown = rows.filter((r) => r[1] === 'true').map((r) => r[0]).sort();
    assert(JSON.stringify(sig) === JSON.stringify(shown), `significant rows ${shown} vs API ${sig}`);
    await page.selectOption(sel('compare-vs'), 'year');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('vs') === 'year');
    await page.waitForSelector(sel('compare-row'));
    await page.selectOption(sel('compare-by'), 'shop');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('by') === 'shop');
    await page.waitForSelector(sel('compare-key'));
    await expectNoBanner(page, 'compare');
  });

  await step('drivers page: ranking in words and a forest plot; the outcome switches', async () => {
    await page.goto(`${BASE}/#/drivers`);
    await page.waitForSelector(sel('forest-term'));
    const items = await page.$$eval(`${sel('drivers-ranking')} li`, (l) => l.map((x) => x.textContent));
    // In words, in the UI's language (zh-CN here).
    assert(items.length > 0 && /解释了|explains/.test(items[0]), `ranking: ${items}`);
    const terms = await page.$$eval(sel('forest-term'), (g) => g.length);
    assert(terms >= 3, `forest plot has ${terms} terms`);
    await page.selectOption(sel('drivers-outcome'), 'resolved');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('outcome') === 'resolved');
    await page.waitForSelector(sel('forest-term'));
    const head = await page.textContent(sel('drivers-head'));
    assert(/\d/.test(head), `drivers head "${head}"`);
    await expectNoBanner(page, 'drivers');
    await shot(page, 'drivers.png');
  });

  await step('agent row opens conversations of that agent', async () => {
    await page.click(sel('nav-agents'));
    await page.waitForSelector(sel('agent-row'));
    const agent = await page.$eval(sel('agent-row'), (r) => r.dataset.agent);
    await page.click(`${sel('agent-row')} >> nth=0 >> td >> nth=1`);
    await page.waitForFunction(() => location.hash.startsWith('#/conversations'));
    assert(query(page.url()).get('agent') === agent, `expected agent=${agent} in ${page.url()}`);
    await expectConversationRows(page);
  });

  await step('language switch flips labels', async () => {
    await page.goto(`${BASE}/#/overview`);
    await waitKpis(page);
    const zh = await page.textContent(sel('nav-overview'));
    assert(zh.trim() === '总览', `default nav label is "${zh}", expected 总览`);
    assert((await page.getAttribute('html', 'lang')) === 'zh-CN', 'html lang is not zh-CN');
    await page.click(sel('lang-switch'));
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert((await page.textContent(sel('nav-overview'))).trim() === 'Overview', 'nav label did not switch to English');
    await waitKpis(page);
    const label = await page.textContent(`${sel('kpi-conversations')} .kpi-label`);
    assert(label.trim() === 'Conversations', `KPI label in English is "${label}"`);
    await shot(page, 'overview-en.png');
    await page.reload();
    await page.waitForSelector(sel('nav-overview'));
    assert((await page.textContent(sel('nav-overview'))).trim() === 'Overview', 'the language choice did not survive a reload');
    await page.click(sel('lang-switch'));
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    assert((await page.textContent(sel('nav-overview'))).trim() === '总览', 'nav label did not switch back to 中文');
  });

  await step('an API error shows in the banner', async () => {
    await page.goto(`${BASE}/#/overview?from=2026-13-01&to=2026-11-22`);
    await page.waitForSelector(`${sel('error-banner')}:not([hidden])`);
    const text = await page.textContent(sel('error-banner'));
    assert(/400|bad_request/.test(text) && /from/.test(text), `banner says "${text}"`);
  });

  await page.context().close();

  await step('phone layout (390×844)', async () => {
    const phone = await newPage({ width: 390, height: 844 });
    await phone.goto(`${BASE}/#/overview`);
    await waitKpis(phone);
    await expectChartsWithData(phone, 'overview (phone)');
    for (const p of PAGES) assert(await phone.isVisible(sel(`nav-${p}`)), `nav link ${p} is not visible`);
    const nav = await phone.$eval(sel('nav'), (n) => {
      const r = n.getBoundingClientRect();
      return { left: r.left, right: r.right, height: r.height };
    });
    assert(nav.height > 0 && nav.left >= 0 && nav.right <= 391, `the nav does not fit the screen: ${JSON.stringify(nav)}`);
    const overflow = await phone.evaluate(() => {
      const main = document.querySelector('[data-testid="main"]');
      return { doc: document.documentElement.scrollWidth, main: main.scrollWidth, mainClient: main.clientWidth, width: window.innerWidth };
    });
    assert(overflow.doc <= overflow.width + 1, `the page scrolls sideways: ${JSON.stringify(overflow)}`);
    assert(overflow.main <= overflow.mainClient + 1, `the main area overflows: ${JSON.stringify(overflow)}`);
    await shot(phone, 'overview-phone.png');
    await phone.click(sel('nav-conversations'));
    await expectConversationRows(phone);
    const convOverflow = await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    assert(convOverflow, 'the conversations page scrolls sideways on a phone');
    await shot(phone, 'conversations-phone.png');
    await phone.context().close();
  });

  if (TOKEN) {
    await step('without a token the dashboard asks for one', async () => {
      const p = await newPage({ width: 1280, height: 800 }, { token: null });
      await p.goto(`${BASE}/#/overview`);
      await p.waitForSelector(sel('token-dialog'));
      await p.fill(sel('token-input'), TOKEN);
      await p.click(sel('token-save'));
      await waitKpis(p);
      assert((await p.evaluate(() => localStorage.getItem('kefu.token'))) === TOKEN, 'the token was not kept');
      await p.context().close();
    });
  }
} catch (e) {
  if (!(e instanceof Stop)) failures.push(`${current}: ${e?.message ?? e}`);
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(`\ne2e: ${failures.length} failure(s):`);
  for (const f of failures) console.error(`  - ${f}`);
  console.error(`screenshots in ${ARTIFACTS}`);
  process.exit(1);
}
console.log(`\ne2e: all checks passed against ${BASE}; screenshots in ${ARTIFACTS}`);
