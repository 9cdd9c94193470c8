import { barOption, chartBox, fill, hasData } from '../charts';
import { h } from '../dom';
import { int, pct, rate, secs } from '../format';
import { t, type I18nKey } from '../i18n';
import { drill, fetchWith, load, pageHead, type Ctx } from '../page';
import { href } from '../route';
import type { Body, Breakdown, Num } from '../types';
import { NO_KEY } from './common';

interface Column {
  key: string;
  label: I18nKey;
  get: (b: Body) => Num;
  fmt: (v: Num) => string;
}

const COLUMNS: Column[] = [
  { key: 'conversations', label: 't_conversations', get: (b) => b.volume.conversations, fmt: int },
  { key: 'frt_p50', label: 't_frt_p50', get: (b) => b.response.frt_secs.p50, fmt: secs },
  { key: 'response_p50', label: 't_response_p50', get: (b) => b.response.response_secs.p50, fmt: secs },
  { key: 'three_min_rate', label: 't_three_min', get: (b) => b.response.three_min_rate, fmt: rate },
  { key: 'resolution_rate', label: 't_resolution', get: (b) => b.resolution.rate, fmt: rate },
  { key: 'csat_pct', label: 't_csat', get: (b) => b.satisfaction.csat_pct, fmt: pct },
  { key: 'conversion_rate', label: 't_conversion', get: (b) => b.conversion.rate, fmt: rate },
  // Sentiment after the agent's reply: of replies to a negative customer, the share
  // after which the customer's next message was not negative.
  { key: 'calmed_rate', label: 't_calmed', get: (b) => b.sentiment?.calmed_rate ?? null, fmt: rate },
  { key: 'ended_negative_rate', label: 't_ended_negative', get: (b) => b.sentiment?.ended_negative_rate ?? null, fmt: rate },
];

export function renderAgents(ctx: Ctx): void {
  const sortKey = COLUMNS.some((c) => c.key === ctx.params.sort) ? ctx.params.sort : 'conversations';
  const asc = ctx.params.order === 'asc';
  const table = h('div', { class: 'table-scroll' }, h('p', { class: 'muted' }, t('loading')));
  ctx.root.append(
    pageHead(t('nav_agents')),
    h('section', { class: 'card' }, table),
    chartBox('agents', t('c_agents_chart')),
  );

  load(
    ctx,
    fetchWith<Breakdown>(ctx, 'breakdown', { by: 'agent' }),
    (res) => {
      // Conversations nobody answered have no credited agent: not a leaderboard row.
      const b = { ...res, rows: res.rows.filter((r) => r.key !== NO_KEY) };
      const col = COLUMNS.find((c) => c.key === sortKey)!;
      // Missing values sort last in either direction.
      const rows = [...b.rows].sort((x, y) => {
        const a = col.get(x);
        const z = col.get(y);
        if (a === null || z === null) return a === z ? 0 : a === null ? 1 : -1;
        return asc ? a - z : z - a;
      });
      table.replaceChildren(
        rows.length
          ? h(
              'table',
              { class: 'data', 'data-testid': 'agents-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, t('t_agent')),
                  ...COLUMNS.map((c) => {
                    const on = c.key === sortKey;
                    const next = on && !asc ? 'asc' : 'desc';
                    return h(
                      'th',
                      { class: `num ${on ? 'sorted' : ''}`, 'aria-sort': on ? (asc ? 'ascending' : 'descending') : null },
                      h('a', { href: href('agents', { ...ctx.params, sort: c.key, order: next }), 'data-testid': `sort-${c.key}` }, t(c.label), on ? (asc ? ' ▲' : ' ▼') : ''),
                    );
                  }),
                ),
              ),
              h(
                'tbody',
                {},
                ...rows.map((r) => {
                  const target = drill(ctx, { agent: r.key });
                  return h(
                    'tr',
                    { class: 'clickable', 'data-testid': 'agent-row', 'data-agent': r.key, onclick: () => (location.hash = target) },
                    h('td', {}, h('a', { href: target }, r.key)),
                    ...COLUMNS.map((c) => h('td', { class: 'num' }, c.fmt(c.get(r)))),
                  );
                }),
              ),
            )
          : h('p', { class: 'muted', 'data-testid': 'agents-empty' }, t('no_data')),
      );

      const top = [...b.rows].sort((x, y) => y.volume.conversations - x.volume.conversations).slice(0, 15);
      const keys = top.map((r) => r.key);
      const values = top.map((r) => r.volume.conversations);
      fill(ctx.root, 'agents', hasData(values) ? barOption(keys, values, { horizontal: true, name: t('k_conversations') }) : null, (_, y) =>
        keys[y] ? drill(ctx, { agent: keys[y] }) : null,
      );
    },
    ['agents'],
    () => table.replaceChildren(h('p', { class: 'muted' }, t('error'))),
  );
}
