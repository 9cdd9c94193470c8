import { barOption, chartBox, fill, hasData } from '../charts';
import { t } from '../i18n';
import { fillKpis, kpiRow } from '../kpi';
import { drill, fetchWith, grid, load, pageHead, type Ctx } from '../page';
import type { Distribution, Overview, Series } from '../types';
import { seriesDrill } from './common';

const CARDS = ['frt_p50', 'frt_p90', 'response_p50', 'response_p90', 'three_min_rate', 'not_served_rate'];
const WITHIN_SECS: Record<string, number> = { '30s': 30, '1m': 60, '3m': 180, '5m': 300, '10m': 600, '30m': 1800, '1h': 3600 };
const pctAxis = (v: number) => `${Math.round(v * 100)}%`;

export function renderResponse(ctx: Ctx): void {
  const cards = kpiRow(CARDS);
  ctx.root.append(
    pageHead(t('nav_response')),
    cards,
    grid('two', chartBox('frt-dist', t('c_frt_dist')), chartBox('response-dist', t('c_response_dist'))),
    grid('two', chartBox('within', t('c_within')), chartBox('three-min-by-hour', t('c_three_min_by_hour'))),
  );

  load(
    ctx,
    fetchWith<Overview>(ctx, 'overview'),
    (o) => {
      fillKpis(cards, o);
      const keys = Object.keys(WITHIN_SECS).filter((k) => k in o.response.within);
      const values = keys.map((k) => o.response.within[k]);
      fill(ctx.root, 'within', hasData(values) ? barOption(keys.map((k) => `≤${k}`), values, { format: pctAxis, name: t('c_within') }) : null, (x) =>
        keys[x] ? drill(ctx, { where: `frt_secs <= ${WITHIN_SECS[keys[x]]}` }) : null,
      );
    },
    ['within'],
  );

  for (const [name, metric] of [
    ['frt-dist', 'frt'],
    ['response-dist', 'response'],
  ] as const) {
    load(
      ctx,
      fetchWith<Distribution>(ctx, 'distribution', { metric }),
      (d) => {
        const labels = d.buckets.map((b) => (b.label === 'unanswered' ? t('unanswered') : b.label));
        const values = d.buckets.map((b) => b.count);
        fill(ctx.root, name, hasData(values) ? barOption(labels, values, { name: t('k_conversations') }) : null, (x) =>
          d.buckets[x] ? drill(ctx, { bucket: d.buckets[x].label, metric }) : null,
        );
      },
      [name],
    );
  }

  load(
    ctx,
    fetchWith<Series>(ctx, 'series', { metric: 'three_min_rate', grain: 'hour_of_day' }),
    (s) => {
      const ts = s.points.map((p) => p.t);
      const values = s.points.map((p) => p.value);
      fill(ctx.root, 'three-min-by-hour', hasData(values) ? barOption(ts, values, { format: pctAxis, name: t('k_three_min_rate') }) : null, (x) =>
        ts[x] !== undefined ? drill(ctx, seriesDrill('hour_of_day', ts[x])) : null,
      );
    },
    ['three-min-by-hour'],
  );
}
