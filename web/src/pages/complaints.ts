import { barOption, chartBox, fill, hasData, lineOption } from '../charts';
import { h } from '../dom';
import { int, stamp } from '../format';
import { categoryLabel, intentLabel, t } from '../i18n';
import { fillKpis, kpiRow } from '../kpi';
import { drill, fetchWith, grid, load, pageHead, tzOf, type Ctx } from '../page';
import type { Anomalies, Complaints, Overview, Spam } from '../types';
import { NO_KEY, anomaliesOf, anomalyMarks, everyDay, seriesDrill } from './common';

/** Categories drawn in the trend (the largest). */
const TREND_CATEGORIES = 5;

const pctAxis = (v: number) => `${Math.round(v * 100)}%`;

export function renderComplaints(ctx: Ctx): void {
  const urgent = h('ul', { class: 'urgent', 'data-testid': 'urgent-list' }, h('li', { class: 'muted' }, t('loading')));
  const urgentHead = h('h3', { 'data-testid': 'urgent-head' }, t('c_urgent'));
  const cards = kpiRow(['complaint_rate', 'negative_conv_rate', 'ended_negative_rate', 'calmed_rate']);
  const byAgent = h('div', { class: 'table-scroll', 'data-testid': 'intent-agents' }, h('p', { class: 'muted' }, t('loading')));
  const byProduct = h('div', { class: 'table-scroll', 'data-testid': 'intent-products' }, h('p', { class: 'muted' }, t('loading')));
  const spamHead = h('h3', { 'data-testid': 'spam-head' }, t('c_spam'));
  const spamNote = h('p', { class: 'muted' });
  const spam = h('ul', { class: 'urgent', 'data-testid': 'spam-list' }, h('li', { class: 'muted' }, t('loading')));
  ctx.root.append(
    pageHead(t('nav_complaints')),
    cards,
    grid('two', chartBox('categories', t('c_categories')), chartBox('keywords', t('c_keywords'))),
    grid('one', chartBox('category-trend', t('c_category_trend'))),
    grid('two', chartBox('sentiment', t('c_sentiment')), chartBox('comments', t('c_comments'))),
    grid('two', chartBox('intents', t('c_intents')), chartBox('intent_hours', t('c_intent_hours'))),
    grid(
      'two',
      h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h3', {}, t('c_intent_agents'))), byAgent),
      h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h3', {}, t('c_intent_products'))), byProduct),
    ),
    h('section', { class: 'card' }, h('header', { class: 'card-head' }, urgentHead), urgent),
    h('section', { class: 'card' }, h('header', { class: 'card-head' }, spamHead), spamNote, spam),
  );

  // Each category's conversations per day with its expected range judged: the
  // anomalies are marked, and a marked day opens that category's conversations.
  const dayAnomalies = fetchWith<Anomalies>(ctx, 'anomalies', { grain: 'day', points: 'true' });
  load(
    ctx,
    dayAnomalies,
    (a) => {
      const bands = (a.bands ?? [])
        .filter((b) => b.metric.startsWith('category:'))
        .map((b) => ({ b, total: b.points.reduce((n, p) => n + (p.observed ?? 0), 0) }))
        .sort((x, y) => y.total - x.total)
        .slice(0, TREND_CATEGORIES)
        .map((x) => x.b);
      const ts = bands[0]?.points.map((p) => p.t) ?? [];
      const lines = bands.map((b) => ({ name: categoryLabel(b.metric.slice(9)), data: b.points.map((p) => p.observed) }));
      const option = lines.some((l) => hasData(l.data)) ? lineOption(ts, lines) : null;
      const flagged = bands.map((b) => anomaliesOf(a.anomalies, b.metric, 'day'));
      if (option) (option.series as Record<string, unknown>[]).forEach((s, i) => (s.markPoint = anomalyMarks(flagged[i], ts)));
      fill(ctx.root, 'category-trend', option, (x) => {
        if (!ts[x]) return null;
        const here = flagged.flat().filter((f) => f.t === ts[x]);
        const p = seriesDrill('day', ts[x]);
        if (here.length === 1) p.category = here[0].metric.slice(9);
        return drill(ctx, p);
      });
    },
    ['category-trend'],
  );

  // Conversation sentiment of the period (the report's `sentiment` section).
  load(ctx, fetchWith<Overview>(ctx, 'overview'), (o) => fillKpis(cards, o));

  // Spam is left out of every number above; say how much and show it.
  load(
    ctx,
    fetchWith<Spam>(ctx, 'spam', { limit: 20 }),
    (sp) => {
      const n = sp.messages + sp.reviews + sp.surveys;
      spamHead.textContent = `${t('c_spam')} (${int(n)})`;
      spamHead.dataset.count = String(n);
      spamNote.textContent = n ? t(sp.included ? 'spam_included' : 'spam_excluded') : '';
      spam.replaceChildren(
        ...(sp.items.length
          ? sp.items.map((it) =>
              h(
                'li',
                { 'data-testid': 'spam-item' },
                h(
                  'a',
                  { href: it.conversation_id ? drill(ctx, { open: it.conversation_id, open_shop: it.shop_id }) : '#' },
                  h('span', { class: 'ts' }, stamp(it.ts, tzOf(ctx, it.shop_id))),
                  h('span', { class: 'shop' }, it.shop_id),
                  h('span', { class: 'text' }, it.text),
                  h('span', { class: 'tag' }, it.reason),
                ),
              ),
            )
          : [h('li', { class: 'muted' }, t('spam_none'))]),
      );
    },
    [],
    () => spam.replaceChildren(h('li', { class: 'muted' }, t('error'))),
  );

  load(
    ctx,
    Promise.all([fetchWith<Complaints>(ctx, 'complaints'), dayAnomalies.catch(() => null)]),
    ([c, anomalies]) => {
      const cats = [...c.categories].sort((a, b) => b.conversations - a.conversations);
      const names = cats.map((x) => x.category);
      const option = hasData(cats.map((x) => x.conversations))
        ? barOption(
            names.map(categoryLabel),
            cats.map((x) => x.conversations),
            { horizontal: true, name: t('k_conversations') },
          )
        : null;
      fill(ctx.root, 'categories', option, (_, y) => (names[y] ? drill(ctx, { category: names[y] }) : null));

      const words = [...c.keywords].sort((a, b) => b.weight - a.weight).slice(0, 20);
      fill(ctx.root, 'keywords', words.length ? barOption(words.map((w) => w.word), words.map((w) => w.count), { horizontal: true }) : null, (_, y) =>
        words[y] ? drill(ctx, { where: keywordWhere(words[y].word) }) : null,
      );

      const days = everyDay(c.sentiment, ctx.filters.from, ctx.filters.to, (t) => ({ t, mean: null, negative_share: null, messages: 0 }));
      const ts = days.map((p) => p.t);
      const mean = days.map((p) => p.mean);
      const neg = days.map((p) => p.negative_share);
      const sentiment =
        hasData(mean) || hasData(neg)
          ? lineOption(
              ts,
              [
                { name: t('s_sentiment_mean'), data: mean },
                { name: t('s_negative_share'), data: neg, area: true },
              ],
              pctAxis,
            )
          : null;
      if (sentiment) (sentiment.series as Record<string, unknown>[])[1].markPoint = anomalyMarks(anomaliesOf(anomalies?.anomalies, 'negative_share', 'day'), ts);
      fill(
        ctx.root,
        'sentiment',
        sentiment,
        (x) => (ts[x] ? drill(ctx, seriesDrill('day', ts[x].slice(0, 10))) : null),
      );

      // What survey comments are about; a bar opens the conversations whose survey
      // comment carries that category.
      const com = c.survey_comments ?? [];
      fill(
        ctx.root,
        'comments',
        hasData(com.map((x) => x.comments))
          ? barOption(com.map((x) => categoryLabel(x.category)), com.map((x) => x.comments), { horizontal: true, name: t('c_comments_n') })
          : null,
        (_, y) => (com[y] ? drill(ctx, { where: commentWhere(com[y].category) }) : null),
      );

      // What customers came for: a bar opens the conversations with such a message;
      // the hours chart stacks the intents by the conversation's start hour.
      const intents = c.intents ?? [];
      fill(
        ctx.root,
        'intents',
        hasData(intents.map((x) => x.messages))
          ? barOption(intents.map((x) => intentLabel(x.intent)), intents.map((x) => x.messages), { horizontal: true, name: t('c_intents_n') })
          : null,
        (_, y) => (intents[y] ? drill(ctx, { where: intentWhere(intents[y].intent) }) : null),
      );
      const hours = Array.from({ length: 24 }, (_, i) => `${i}`);
      const top = intents.slice(0, 6);
      fill(
        ctx.root,
        'intent_hours',
        top.length && hasData(top.flatMap((x) => x.by_hour))
          ? lineOption(
              hours,
              top.map((x) => ({ name: intentLabel(x.intent), data: x.by_hour })),
            )
          : null,
        (x) => (hours[x] !== undefined ? drill(ctx, { where: `local_hour = ${Number(x)}` }) : null),
      );

      byAgent.replaceChildren(
        intentTable(intents, (x) => x.by_agent, 't_agent', (key, intent) =>
          drill(ctx, { where: `${key === NO_KEY ? 'conv_last_agent IS NULL' : `conv_last_agent = ${quote(key)}`} AND ${intentWhere(intent)}` }),
        ),
      );
      byProduct.replaceChildren(
        intentTable(intents, (x) => x.by_product, 't_product', (key, intent) =>
          drill(ctx, { where: `${key === NO_KEY ? 'product_ids IS NULL' : `product_ids LIKE ${quote(`%${key.replace(/[%_]/g, '')}%`)}`} AND ${intentWhere(intent)}` }),
        ),
      );

      urgentHead.textContent = `${t('c_urgent')} (${c.urgent_messages ?? c.urgent.length})`;
      urgent.replaceChildren(
        ...(c.urgent.length
          ? c.urgent.map((u) =>
              h(
                'li',
                { 'data-testid': 'urgent-item' },
                h(
                  'a',
                  { href: drill(ctx, { open: u.conversation_id, open_shop: u.shop_id }) },
                  h('span', { class: 'ts' }, stamp(u.ts, tzOf(ctx, u.shop_id))),
                  h('span', { class: 'shop' }, u.shop_id),
                  h('span', { class: 'text' }, u.text),
                  ...u.categories.map((k) => h('span', { class: 'tag' }, categoryLabel(k))),
                ),
              ),
            )
          : [h('li', { class: 'muted' }, t('no_data'))]),
      );
    },
    ['categories', 'keywords', 'sentiment', 'comments', 'intents', 'intent_hours'],
    () => urgent.replaceChildren(h('li', { class: 'muted' }, t('error'))),
  );
}

type Intents = NonNullable<Complaints['intents']>;

/**
 * Rows (agents or products, most messages first) × the top intents: each cell is
 * the row's customer messages of that intent and their share of the row; a cell
 * opens the conversations with such a message.
 */
function intentTable(
  intents: Intents,
  split: (x: Intents[number]) => [string, number][],
  rowLabel: 't_agent' | 't_product',
  target: (key: string, intent: string) => string,
): HTMLElement {
  const cols = intents.slice(0, 6);
  const totals = new Map<string, number>();
  const cell = new Map<string, number>();
  for (const x of intents) {
    for (const [k, n] of split(x)) {
      totals.set(k, (totals.get(k) ?? 0) + n);
      cell.set(`${k}\u0000${x.intent}`, n);
    }
  }
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (!rows.length || !cols.length) return h('p', { class: 'muted' }, t('no_data'));
  return h(
    'table',
    { class: 'data' },
    h('thead', {}, h('tr', {}, h('th', {}, t(rowLabel)), ...cols.map((c) => h('th', { class: 'num' }, intentLabel(c.intent))))),
    h(
      'tbody',
      {},
      ...rows.map(([k, total]) =>
        h(
          'tr',
          { 'data-testid': 'intent-row', 'data-key': k },
          h('td', {}, k === NO_KEY ? t('no_key') : k),
          ...cols.map((c) => {
            const n = cell.get(`${k}\u0000${c.intent}`) ?? 0;
            return h(
              'td',
              { class: 'num', title: `${int(n)} ${t('c_intents_n')}` },
              n ? h('a', { href: target(k, c.intent), 'data-n': String(n) }, `${Math.round((n / total) * 100)}%`) : '–',
            );
          }),
        ),
      ),
    ),
  );
}

function quote(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

/** Conversations with a customer message naming the word (`where` takes a subquery). */
function keywordWhere(word: string): string {
  const like = `'%${word.replace(/'/g, "''").replace(/[%_]/g, '')}%'`;
  return `conversation_id IN (SELECT conversation_id FROM messages WHERE sender = 'customer' AND COALESCE(text_masked, text) LIKE ${like})`;
}

/** Conversations with a customer message of the intent. */
function intentWhere(intent: string): string {
  const v = `'${intent.replace(/'/g, "''")}'`;
  return `conversation_id IN (SELECT conversation_id FROM messages WHERE sender = 'customer' AND intent = ${v})`;
}

/** Conversations whose survey comment carries the category. */
function commentWhere(category: string): string {
  const like = `'%,${category.replace(/'/g, "''").replace(/[%_]/g, '')},%'`;
  return `conversation_id IN (SELECT conversation_id FROM surveys WHERE (',' || COALESCE(categories, '') || ',') LIKE ${like})`;
}
