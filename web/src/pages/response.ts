import { barOption, chartBox, fill, hasData, lineOption } from '../charts';
import { t } from '../i18n';
import { fillKpis, kpiRow } from '../kpi';
import { drill, fetchWith, grid, load, pageHead, type Ctx } from '../page';
import type { Anomalies, Distribution, Overview, Series } from '../types';
import { anomaliesOf, anomalyMarks, seriesDrill } from './common';

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
    grid('one', chartBox('frt-band', t('c_frt_band'))),
  );

  // The daily FRT median against its expected range (weekday baseline): a day
  // outside it is marked; any day opens its conversations.
  load(
    ctx,
    fetchWith<Anomalies>(ctx, 'anomalies', { metric: 'frt_p50', grain: 'day', points: 'true' }),
    (a) => {
      const band = a.bands?.find((b) => b.metric === 'frt_p50');
      const pts = band?.points ?? [];
      const ts = pts.map((p) => p.t);
      const observed = pts.map((p) => p.observed);
      let option = null;
      // The band of a day with few first replies can be very wide: the axis follows
      // the medians (1.5× the largest), and the band is cut at its top.
      const top = 1.5 * Math.max(0, ...observed.map((v) => v ?? 0), ...pts.map((p) => p.expected ?? 0));
      if (hasData(observed)) {
        option = lineOption(ts, [
          { name: t('a_observed'), data: observed },
          { name: t('a_expected'), data: pts.map((p) => p.expected) },
        ]);
        const series = option.series as Record<string, unknown>[];
        series[0].markPoint = anomalyMarks(anomaliesOf(a.anomalies, 'frt_p50', 'day'), ts);
        series[1].lineStyle = { type: 'dashed' };
        // The band: its lower edge, then its width stacked on it and shaded.
        series.push(
          { type: 'line', name: t('a_band'), data: pts.map((p) => p.lower), stack: 'band', lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
          {
            type: 'line',
            name: t('a_band'),
            data: pts.map((p) => (p.upper !== null && p.lower !== null ? Math.max(0, Math.min(p.upper, top) - p.lower) : null)),
            stack: 'band',
            lineStyle: { opacity: 0 },
            symbol: 'none',
            areaStyle: { opacity: 0.15 },
            tooltip: { show: false },
          },
        );
        option.legend = { top: 0, data: [t('a_observed'), t('a_expected'), t('a_band')] };
        option.yAxis = { type: 'value', max: Math.ceil(top / 10) * 10 || undefined, axisLabel: { formatter: (v: number) => `${Math.round(v)}s` } };
      }
      fill(ctx.root, 'frt-band', option, (x) => (ts[x] ? drill(ctx, seriesDrill('day', ts[x])) : null));
    },
    ['frt-band'],
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
