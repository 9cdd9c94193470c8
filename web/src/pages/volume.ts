import { barOption, chartBox, fill, hasData, lineOption, type Option } from '../charts';
import { h } from '../dom';
import { int } from '../format';
import { t, weekdayLabel } from '../i18n';
import { drill, fetchWith, grid, load, pageHead, type Ctx } from '../page';
import { href, type Params } from '../route';
import type { Anomalies, Breakdown, Heatmap, Series } from '../types';
import { anomaliesOf, anomalyMarks, campaignAreas, everyDay, NO_KEY, seriesDrill, type Grain } from './common';

const GRAINS = ['hour', 'day', 'week', 'month'] as const;

export function renderVolume(ctx: Ctx): void {
  const grain: Grain = (GRAINS as readonly string[]).includes(ctx.params.grain) ? (ctx.params.grain as Grain) : 'day';
  const switcher = h(
    'div',
    { class: 'seg', role: 'group', 'aria-label': t('grain') },
    ...GRAINS.map((g) =>
      h('a', { href: href('volume', { ...ctx.params, grain: g }), class: g === grain ? 'on' : '', 'data-testid': `grain-${g}` }, t(`grain_${g}`)),
    ),
  );
  ctx.root.append(
    pageHead(t('nav_volume')),
    grid('one', chartBox('volume-series', t('c_volume_series'), switcher)),
    grid('one', chartBox('heatmap', t('c_heatmap'))),
    grid('three', chartBox('by-product', t('c_by_product')), chartBox('by-shop', t('c_by_shop')), chartBox('by-channel', t('c_by_channel'))),
  );

  // Hours and days are judged against their seasonal baseline; weeks and months not.
  const marks =
    grain === 'hour' || grain === 'day'
      ? fetchWith<Anomalies>(ctx, 'anomalies', { metric: 'conversations', grain }).catch(() => null)
      : Promise.resolve(null);
  load(
    ctx,
    Promise.all([fetchWith<Series>(ctx, 'series', { metric: 'conversations', grain }), marks]),
    ([s, a]) => {
      const points = grain === 'day' ? everyDay(s.points, ctx.filters.from, ctx.filters.to, (t) => ({ t, value: 0 })) : s.points;
      const ts = points.map((p) => p.t);
      const values = points.map((p) => p.value);
      let option: Option | null = null;
      if (hasData(values)) {
        option = lineOption(ts, [{ name: t('k_conversations'), data: values, area: true }]);
        const series = (option.series as Record<string, unknown>[])[0];
        series.markArea = { silent: true, itemStyle: { color: 'rgba(240,140,46,0.14)' }, label: { color: '#b5651d' }, data: campaignAreas(grain, ts) };
        series.markPoint = anomalyMarks(anomaliesOf(a?.anomalies, 'conversations', grain), ts);
      }
      fill(ctx.root, 'volume-series', option, (x) => (ts[x] ? drill(ctx, seriesDrill(grain, ts[x])) : null));
    },
    ['volume-series'],
  );

  load(
    ctx,
    fetchWith<Heatmap>(ctx, 'heatmap', { metric: 'conversations' }),
    (hm) => {
      const data: [number, number, number][] = [];
      let max = 0;
      hm.cells.forEach((row, wd) =>
        row.forEach((v, hour) => {
          data.push([hour, wd, v ?? 0]);
          max = Math.max(max, v ?? 0);
        }),
      );
      const days = hm.cells.map((_, i) => weekdayLabel(i + 1));
      const option: Option | null =
        max > 0
          ? {
              grid: { left: 8, right: 16, top: 8, bottom: 60, containLabel: true },
              tooltip: {
                formatter: (p: { value: [number, number, number] }) => `${days[p.value[1]]} ${p.value[0]}:00 — ${int(p.value[2])}`,
              },
              xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, i) => String(i)), splitArea: { show: true } },
              yAxis: { type: 'category', data: days, inverse: true, splitArea: { show: true } },
              visualMap: {
                min: 0,
                max,
                calculable: true,
                orient: 'horizontal',
                left: 'center',
                bottom: 0,
                itemHeight: 160,
                itemWidth: 12,
                inRange: { color: ['#f3f7fe', '#8fb3f0', '#2f6fde', '#173e86'] },
              },
              series: [{ type: 'heatmap', data, emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } } }],
            }
          : null;
      fill(ctx.root, 'heatmap', option, (x, y) => (x >= 0 && x < 24 && y >= 0 && y < 7 ? drill(ctx, { weekday: String(y + 1), hour: String(x) }) : null));
    },
    ['heatmap'],
  );

  const breakdowns: [string, string, (key: string) => Params][] = [
    // Conversations list the products they touched in product_ids (comma-separated).
    ['by-product', 'product', (key) => ({ where: key === NO_KEY ? 'product_ids IS NULL' : `product_ids LIKE '%${key.replace(/'/g, "''")}%'` })],
    ['by-shop', 'shop', (key) => ({ shop: key })],
    ['by-channel', 'channel', (key) => ({ channel: key })],
  ];
  for (const [name, by, toParams] of breakdowns) {
    load(
      ctx,
      fetchWith<Breakdown>(ctx, 'breakdown', { by }),
      (b) => {
        const rows = [...b.rows].sort((a, z) => z.volume.conversations - a.volume.conversations);
        const keys = rows.map((r) => r.key);
        const values = rows.map((r) => r.volume.conversations);
        const labels = keys.map((k) => (k === NO_KEY ? t('no_key') : k));
        fill(ctx.root, name, hasData(values) ? barOption(labels, values, { horizontal: true, name: t('k_conversations') }) : null, (_, y) =>
          keys[y] !== undefined ? drill(ctx, toParams(keys[y])) : null,
        );
      },
      [name],
    );
  }
}
