import { chartBox, fill, hasData, lineOption } from '../charts';
import { h } from '../dom';
import { addDays, daysBetween, isDate } from '../format';
import { t } from '../i18n';
import { fillKpis, kpiRow, markSignificance } from '../kpi';
import { drill, fetchWith, grid, load, pageHead, type Ctx } from '../page';
import type { Anomalies, Comparison, Overview, Series } from '../types';
import { anomaliesOf, anomalyColor, anomalyDrill, anomalyMarks, anomalyText, everyDay, seriesDrill } from './common';

/** The most anomalies the overview lists (the newest). */
const LISTED = 8;

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
  const unusual = h('ul', { class: 'urgent', 'data-testid': 'anomaly-list' }, h('li', { class: 'muted' }, t('loading')));
  ctx.root.append(
    pageHead(t('nav_overview')),
    cards,
    grid('two', chartBox('trend-conversations', t('c_trend_conversations')), chartBox('trend-frt', t('c_trend_frt'))),
    h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h3', {}, t('a_title'))), unusual),
  );
  // Every series at both grains: the list, and the marks on the two trends.
  const anomalies = fetchWith<Anomalies>(ctx, 'anomalies');
  load(
    ctx,
    anomalies,
    (a) => {
      const items = a.anomalies.filter((x) => x.grain === 'day').concat(a.anomalies.filter((x) => x.grain === 'hour')).slice(0, LISTED);
      unusual.replaceChildren(
        ...(items.length
          ? items.map((x) =>
              h(
                'li',
                { 'data-testid': 'anomaly-item', 'data-metric': x.metric, 'data-t': x.t },
                h('span', { class: 'tag', style: `background:${anomalyColor(x)};color:#fff` }, x.kind === 'level_shift' ? '⇅' : '!'),
                ' ',
                h('a', { href: drill(ctx, anomalyDrill(x)), title: x.explanation }, anomalyText(x)),
              ),
            )
          : [h('li', { class: 'muted' }, t('a_none'))]),
      );
    },
    [],
    () => unusual.replaceChildren(h('li', { class: 'muted' }, t('error'))),
  );
  // A failed anomalies request leaves the trends unmarked, not undrawn.
  const marks = anomalies.catch(() => null);

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
      Promise.all([fetchWith<Series>(ctx, 'series', { metric, grain: 'day' }), marks]),
      ([s, a]) => {
        const points = everyDay(s.points, from, to, (t) => ({ t, value: missing }));
        const ts = points.map((p) => p.t);
        const values = points.map((p) => p.value);
        const option = hasData(values) ? lineOption(ts, [{ name: t(label), data: values, area: true }]) : null;
        if (option) (option.series as Record<string, unknown>[])[0].markPoint = anomalyMarks(anomaliesOf(a?.anomalies, metric, 'day'), ts);
        fill(ctx.root, name, option, (x) => (ts[x] ? drill(ctx, seriesDrill('day', ts[x])) : null));
      },
      [name],
    );
  }
}
