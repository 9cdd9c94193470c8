import { chartBox, fill, hasData, lineOption } from '../charts';
import { addDays, daysBetween, isDate } from '../format';
import { t } from '../i18n';
import { fillKpis, kpiRow, markSignificance } from '../kpi';
import { drill, fetchWith, grid, load, pageHead, type Ctx } from '../page';
import type { Comparison, Overview, Series } from '../types';
import { everyDay, seriesDrill } from './common';

const CARDS = [
  'conversations',
  'customers',
  'frt_p50',
  'response_p50',
  'three_min_rate',
  'not_served_rate',
  'resolution_rate',
  'csat_pct',
  'conversion_rate',
  'avg_order_value',
];

export function renderOverview(ctx: Ctx): void {
  const cards = kpiRow(CARDS);
  ctx.root.append(
    pageHead(t('nav_overview')),
    cards,
    grid('two', chartBox('trend-conversations', t('c_trend_conversations')), chartBox('trend-frt', t('c_trend_frt'))),
  );

  const { from, to } = ctx.filters;
  const current = fetchWith<Overview>(ctx, 'overview');
  // The previous period of the same length, for the change line of each card.
  let previous: Promise<Overview | null> = Promise.resolve(null);
  if (isDate(from) && isDate(to) && from <= to) {
    const n = daysBetween(from, to);
    previous = fetchWith<Overview>(ctx, 'overview', {}, { ...ctx.filters, from: addDays(from, -n), to: addDays(from, -1) });
  }
  // The cards show as soon as the period is in; the change line follows.
  load(ctx, current, (cur) => fillKpis(cards, cur));
  // Whether each change is real: the comparison of the same two periods.
  const compare: Promise<Comparison | null> =
    isDate(from) && isDate(to) && from <= to ? fetchWith<Comparison>(ctx, 'compare', { vs: 'previous' }) : Promise.resolve(null);
  load(ctx, Promise.all([current, previous, compare]), ([cur, prev, cmp]) => {
    fillKpis(cards, cur, prev);
    if (cmp) markSignificance(cards, cmp);
  });

  for (const [name, metric, label, missing] of [
    ['trend-conversations', 'conversations', 'k_conversations', 0],
    ['trend-frt', 'frt_p50', 'k_frt_p50', null],
  ] as const) {
    load(
      ctx,
      fetchWith<Series>(ctx, 'series', { metric, grain: 'day' }),
      (s) => {
        const points = everyDay(s.points, from, to, (t) => ({ t, value: missing }));
        const ts = points.map((p) => p.t);
        const values = points.map((p) => p.value);
        fill(ctx.root, name, hasData(values) ? lineOption(ts, [{ name: t(label), data: values, area: true }]) : null, (x) =>
          ts[x] ? drill(ctx, seriesDrill('day', ts[x])) : null,
        );
      },
      [name],
    );
  }
}
