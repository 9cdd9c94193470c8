import { barOption, chartBox, fill, hasData, lineOption } from '../charts';
import { dimensionLabel, t } from '../i18n';
import { fillKpis, kpiRow } from '../kpi';
import { drill, fetchWith, grid, load, pageHead, type Ctx } from '../page';
import type { Overview, Series } from '../types';
import { everyDay, seriesDrill } from './common';

const CARDS = ['csat_pct', 'dissatisfied_pct', 'csat_mean', 'nps', 'responses'];
// `where` reads the conversation facts, whose score column is csat_score.
const RATED = 'csat_score IS NOT NULL';
const pctAxis = (v: number) => `${Math.round(v)}%`;

export function renderSatisfaction(ctx: Ctx): void {
  const cards = kpiRow(CARDS);
  ctx.root.append(
    pageHead(t('nav_satisfaction')),
    cards,
    grid('two', chartBox('score-dist', t('c_score_dist')), chartBox('by-dimension', t('c_by_dimension'))),
    grid('one', chartBox('csat-series', t('c_csat_series'))),
  );

  load(
    ctx,
    fetchWith<Overview>(ctx, 'overview'),
    (o) => {
      fillKpis(cards, o);
      const s = o.satisfaction;
      const scores = Object.keys(s.distribution).sort((a, b) => Number(a) - Number(b));
      const counts = scores.map((k) => s.distribution[k]);
      fill(ctx.root, 'score-dist', hasData(counts) ? barOption(scores.map((k) => `${k}★`), counts, { name: t('k_responses') }) : null, (x) => {
        const k = Number(scores[x]);
        // A conversation's csat is the mean of its overall ratings, so take the score's band.
        return Number.isFinite(k) ? drill(ctx, { where: `csat_score >= ${k - 0.5} AND csat_score < ${k + 0.5}` }) : null;
      });
      const dims = Object.keys(s.by_dimension).sort((a, b) => Number(b === 'overall') - Number(a === 'overall') || a.localeCompare(b));
      const values = dims.map((d) => s.by_dimension[d].csat_pct);
      fill(ctx.root, 'by-dimension', hasData(values) ? barOption(dims.map(dimensionLabel), values, { format: pctAxis, name: t('k_csat_pct') }) : null, () =>
        drill(ctx, { where: RATED }),
      );
    },
    ['score-dist', 'by-dimension'],
  );

  load(
    ctx,
    fetchWith<Series>(ctx, 'series', { metric: 'csat_pct', grain: 'day' }),
    (se) => {
      const points = everyDay(se.points, ctx.filters.from, ctx.filters.to, (t) => ({ t, value: null }));
      const ts = points.map((p) => p.t);
      const values = points.map((p) => p.value);
      fill(ctx.root, 'csat-series', hasData(values) ? lineOption(ts, [{ name: t('k_csat_pct'), data: values }], pctAxis) : null, (x) =>
        ts[x] ? drill(ctx, { ...seriesDrill('day', ts[x]), where: RATED }) : null,
      );
    },
    ['csat-series'],
  );
}
