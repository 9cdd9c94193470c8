import { get } from '../api';
import { h, type Child } from '../dom';
import { dec, int, secs, stamp } from '../format';
import { categoryLabel, t, weekdayLabel, type I18nKey } from '../i18n';
import { fetchWith, load, pageHead, tzOf, type Ctx } from '../page';
import { filtersOf, href, navigate, type Params } from '../route';
import type { ConversationList, ConversationRow, Message, Transcript } from '../types';

/** The drill-down parameters of API.md, beside the global filters. */
const DRILL_KEYS = ['weekday', 'hour', 'date', 'bucket', 'metric', 'where'] as const;
const PAGE_SIZE = 50;

const COLUMNS: { key: string; label: I18nKey; sort?: string; cell: (r: ConversationRow, tz?: string) => Child }[] = [
  { key: 'start', label: 'cv_start', sort: 'start', cell: (r, tz) => stamp(r.start, tz) },
  { key: 'shop', label: 'cv_shop', cell: (r) => r.shop_id },
  { key: 'channel', label: 'cv_channel', cell: (r) => r.channel },
  { key: 'customer', label: 'cv_customer', cell: (r) => r.customer },
  { key: 'agent', label: 'cv_agent', cell: (r) => r.last_agent ?? r.first_agent ?? '—' },
  { key: 'frt', label: 'cv_frt', sort: 'frt_secs', cell: (r) => secs(r.frt_secs) },
  { key: 'rounds', label: 'cv_rounds', sort: 'rounds_human', cell: (r) => int(r.rounds_human) },
  { key: 'resolved', label: 'cv_resolved', cell: (r) => (r.resolved ? t('yes') : t('no')) },
  { key: 'csat', label: 'cv_csat', sort: 'csat', cell: (r) => dec(r.csat, 1) },
  { key: 'converted', label: 'cv_converted', cell: (r) => (r.converted ? t('yes') : t('no')) },
  { key: 'categories', label: 'cv_categories', cell: (r) => h('span', {}, ...(r.categories ?? []).map((c) => h('span', { class: 'tag' }, categoryLabel(c)))) },
];

export function renderConversations(ctx: Ctx): void {
  const p = ctx.params;
  const offset = Math.max(0, Number(p.offset) || 0);
  const list = h('div', { class: 'table-scroll' }, h('p', { class: 'muted' }, t('loading')));
  const total = h('span', { class: 'total', 'data-testid': 'conv-total' }, t('loading'));
  const pager = h('div', { class: 'pager' });
  const side = h('section', { class: 'card transcript-card' });

  ctx.root.append(
    pageHead(t('nav_conversations')),
    drillForm(ctx),
    h(
      'div',
      { class: `conv-layout ${p.open ? 'has-open' : ''}` },
      h('section', { class: 'card conv-list' }, h('div', { class: 'list-head' }, total, pager), list),
      side,
    ),
  );

  const q: Record<string, string | number | undefined> = { limit: PAGE_SIZE, offset, sort: p.sort, order: p.order };
  for (const k of DRILL_KEYS) q[k] = p[k];
  load(
    ctx,
    fetchWith<ConversationList>(ctx, 'conversations', q),
    (res) => {
      total.textContent = t('cv_total', { n: int(res.total) });
      total.dataset.total = String(res.total);
      const shown = res.rows.length;
      pager.replaceChildren(
        h('span', { class: 'muted' }, shown ? t('cv_range', { a: offset + 1, b: offset + shown }) : ''),
        pageLink(p, offset - PAGE_SIZE, offset > 0, 'cv_prev', 'page-prev'),
        pageLink(p, offset + PAGE_SIZE, offset + shown < res.total, 'cv_next', 'page-next'),
      );
      list.replaceChildren(shown ? table(ctx, res.rows) : h('p', { class: 'muted', 'data-testid': 'conv-empty' }, t('no_data')));
    },
    [],
    () => {
      total.textContent = t('error');
      list.replaceChildren();
    },
  );

  if (p.open) renderTranscript(ctx, side, p.open, p.open_shop);
  else side.append(h('p', { class: 'muted' }, t('cv_pick')));
}

function pageLink(p: Params, offset: number, enabled: boolean, label: I18nKey, testid: string): HTMLElement {
  if (!enabled) return h('span', { class: 'btn disabled', 'data-testid': testid, 'aria-disabled': 'true' }, t(label));
  return h('a', { class: 'btn', href: href('conversations', { ...p, offset: String(Math.max(0, offset)), open: '', open_shop: '' }), 'data-testid': testid }, t(label));
}

function table(ctx: Ctx, rows: ConversationRow[]): HTMLElement {
  const p = ctx.params;
  return h(
    'table',
    { class: 'data conv', 'data-testid': 'conv-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...COLUMNS.map((c) => {
          if (!c.sort) return h('th', {}, t(c.label));
          const on = p.sort === c.sort;
          const order = on && p.order !== 'asc' ? 'asc' : 'desc';
          return h('th', { class: on ? 'sorted' : '' }, h('a', { href: href('conversations', { ...p, sort: c.sort, order, offset: '' }) }, t(c.label), on ? (p.order === 'asc' ? ' ▲' : ' ▼') : ''));
        }),
      ),
    ),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          {
            class: `clickable ${p.open === r.conversation_id && (!p.open_shop || p.open_shop === r.shop_id) ? 'selected' : ''}`,
            'data-testid': 'conv-row',
            'data-id': r.conversation_id,
            onclick: () => navigate('conversations', { ...p, open: r.conversation_id, open_shop: r.shop_id }),
          },
          ...COLUMNS.map((c) => h('td', {}, c.cell(r, tzOf(ctx, r.shop_id)))),
        ),
      ),
    ),
  );
}

function drillForm(ctx: Ctx): HTMLElement {
  const p = ctx.params;
  const opt = (value: string, label: string, current?: string) => h('option', { value, selected: value === (current ?? '') }, label);
  const fields = {
    weekday: h('select', { 'data-testid': 'drill-weekday', name: 'weekday' }, opt('', t('f_all'), p.weekday), ...[1, 2, 3, 4, 5, 6, 7].map((d) => opt(String(d), weekdayLabel(d), p.weekday))),
    hour: h('select', { 'data-testid': 'drill-hour', name: 'hour' }, opt('', t('f_all'), p.hour), ...Array.from({ length: 24 }, (_, i) => opt(String(i), `${i}:00`, p.hour))),
    date: h('input', { type: 'date', 'data-testid': 'drill-date', name: 'date', value: p.date ?? '' }),
    bucket: h('input', { type: 'text', 'data-testid': 'drill-bucket', name: 'bucket', value: p.bucket ?? '', placeholder: '≤30s', size: 8 }),
    metric: h('select', { 'data-testid': 'drill-metric', name: 'metric' }, opt('', '—', p.metric), opt('frt', 'frt', p.metric), opt('response', 'response', p.metric)),
    where: h('input', { type: 'text', 'data-testid': 'drill-where', name: 'where', value: p.where ?? '', placeholder: 'frt_secs > 180', class: 'wide' }),
  };
  const label = (k: I18nKey, el: HTMLElement) => h('label', {}, h('span', {}, t(k)), el);
  const global: Params = { ...filtersOf(p) };
  return h(
    'form',
    {
      class: 'card drill-form',
      'data-testid': 'drill-form',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const next: Params = { ...global, sort: p.sort ?? '', order: p.order ?? '' };
        for (const [k, el] of Object.entries(fields)) if (el.value.trim()) next[k] = el.value.trim();
        navigate('conversations', next);
      },
    },
    h('strong', {}, t('cv_filters')),
    label('cv_weekday', fields.weekday),
    label('cv_hour', fields.hour),
    label('cv_date', fields.date),
    label('cv_bucket', fields.bucket),
    label('cv_metric', fields.metric),
    label('cv_where', fields.where),
    h('button', { type: 'submit', 'data-testid': 'drill-apply' }, t('cv_apply')),
    h('a', { class: 'btn', href: href('conversations', global), 'data-testid': 'drill-clear' }, t('cv_clear')),
  );
}

const SENDER: Record<Message['sender'], I18nKey> = { customer: 'tr_customer', agent: 'tr_agent', bot: 'tr_bot', system: 'tr_system' };

function renderTranscript(ctx: Ctx, side: HTMLElement, id: string, shop: string | undefined): void {
  const close = h('a', { class: 'btn', href: href('conversations', { ...ctx.params, open: '', open_shop: '' }), 'data-testid': 'transcript-close' }, t('cv_close'));
  side.append(h('header', { class: 'card-head' }, h('h3', {}, t('tr_title', { id })), close), h('p', { class: 'muted' }, t('loading')));
  load(
    ctx,
    // `shop` tells apart two shops' conversations with the same id.
    get<Transcript>(`conversations/${encodeURIComponent(id)}`, { shop }, ctx.signal),
    (tr) => {
      const c = tr.conversation;
      const tz = tzOf(ctx, c.shop_id);
      side.lastElementChild!.replaceWith(
        h(
          'div',
          { 'data-testid': 'transcript', 'data-id': id },
          h(
            'dl',
            { class: 'conv-facts' },
            ...fact('cv_shop', `${c.shop_id} · ${c.platform} · ${c.channel}`),
            ...fact('cv_customer', c.customer),
            ...fact('cv_start', `${stamp(c.start, tz)} → ${stamp(c.end, tz)}`),
            ...fact('cv_agent', [c.first_agent, c.last_agent].filter((a, i, all) => a && all.indexOf(a) === i).join(' → ') || '—'),
            ...fact('cv_frt', secs(c.frt_secs)),
            ...fact('cv_resolved', c.resolved ? t('yes') : t('no')),
            ...fact('cv_csat', dec(c.csat, 1)),
          ),
          h('ol', { class: 'chat' }, ...tr.messages.map((m) => bubble(m, tz))),
        ),
      );
      // On a phone the transcript sits above the list, out of sight after a row click.
      if (matchMedia('(max-width: 860px)').matches) side.scrollIntoView({ block: 'start' });
    },
    [],
    () => side.lastElementChild!.replaceWith(h('p', { class: 'muted' }, t('error'))),
  );
}

function fact(label: I18nKey, value: string): HTMLElement[] {
  return [h('dt', {}, t(label)), h('dd', {}, value)];
}

function bubble(m: Message, tz: string | undefined): HTMLElement {
  const s = m.sentiment;
  return h(
    'li',
    { class: `msg ${m.sender}`, 'data-testid': 'msg', 'data-sender': m.sender },
    h('div', { class: 'meta' }, t(SENDER[m.sender] ?? 'tr_system'), m.agent_id ? ` ${m.agent_id}` : '', ' · ', stamp(m.ts, tz), m.kind && m.kind !== 'text' ? ` · ${m.kind}` : ''),
    h('div', { class: 'bubble' }, m.text),
    (m.categories?.length || (s !== null && s !== undefined)) &&
      h(
        'div',
        { class: 'tags' },
        ...(m.categories ?? []).map((c) => h('span', { class: 'tag' }, categoryLabel(c))),
        s !== null && s !== undefined ? h('span', { class: `tag sent ${s < 0.4 ? 'neg' : s > 0.6 ? 'pos' : ''}` }, `${t('tr_sentiment')} ${s.toFixed(2)}`) : null,
      ),
  );
}
