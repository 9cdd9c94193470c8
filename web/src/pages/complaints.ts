import { barOption, chartBox, fill, hasData, lineOption } from '../charts';
import { h } from '../dom';
import { stamp } from '../format';
import { categoryLabel, intentLabel, t } from '../i18n';
import { drill, fetchWith, grid, load, pageHead, tzOf, type Ctx } from '../page';
import type { Complaints } from '../types';
import { everyDay, seriesDrill } from './common';

const pctAxis = (v: number) => `${Math.round(v * 100)}%`;

export function renderComplaints(ctx: Ctx): void {
  const urgent = h('ul', { class: 'urgent', 'data-testid': 'urgent-list' }, h('li', { class: 'muted' }, t('loading')));
  const urgentHead = h('h3', { 'data-testid': 'urgent-head' }, t('c_urgent'));
  ctx.root.append(
    pageHead(t('nav_complaints')),
    grid('two', chartBox('categories', t('c_categories')), chartBox('keywords', t('c_keywords'))),
    grid('two', chartBox('sentiment', t('c_sentiment')), chartBox('comments', t('c_comments'))),
    grid('two', chartBox('intents', t('c_intents')), chartBox('intent_hours', t('c_intent_hours'))),
    h('section', { class: 'card' }, h('header', { class: 'card-head' }, urgentHead), urgent),
  );

  load(
    ctx,
    fetchWith<Complaints>(ctx, 'complaints'),
    (c) => {
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
      fill(
        ctx.root,
        'sentiment',
        hasData(mean) || hasData(neg)
          ? lineOption(
              ts,
              [
                { name: t('s_sentiment_mean'), data: mean },
                { name: t('s_negative_share'), data: neg, area: true },
              ],
              pctAxis,
            )
          : null,
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
