// Pieces several pages share: series drill-downs and campaign periods.

import { addDays, daysBetween, int, isDate, monthEnd, pct, rate, secs } from '../format';
import { categoryLabel, t, type I18nKey } from '../i18n';
import type { Params } from '../route';
import type { Anomaly } from '../types';

/** The breakdown key of rows without a value (no credited agent, no product). */
export const NO_KEY = '-';

export type Grain = 'hour' | 'day' | 'week' | 'month' | 'hour_of_day';

/** The date range a series point covers. */
function span(grain: Grain, tv: string): [string, string] | null {
  switch (grain) {
    case 'hour':
    case 'day':
      return [tv.slice(0, 10), tv.slice(0, 10)];
    case 'week':
      return [tv, addDays(tv, 6)];
    case 'month':
      return [`${tv}-01`, monthEnd(tv)];
    default:
      return null;
  }
}

/** Conversations behind a series point: its period (and hour). */
export function seriesDrill(grain: Grain, tv: string): Params {
  if (grain === 'hour_of_day') return { hour: String(Number(tv)) };
  const [from, to] = span(grain, tv)!;
  const p: Params = { from, to };
  if (grain === 'hour') p.hour = String(Number(tv.slice(11, 13)));
  return p;
}

// 大促 periods: 618 (Jun 1–18) and 双11 (Nov 1–11), every year.
const CAMPAIGNS: { name: string; from: string; to: string }[] = [
  { name: '618', from: '06-01', to: '06-18' },
  { name: '双11', from: '11-01', to: '11-11' },
];

/**
 * ECharts markArea data for the campaign periods a series touches: runs of
 * consecutive points whose period overlaps a campaign.
 */
export function campaignAreas(grain: Grain, ts: string[]): unknown[] {
  const areas: unknown[] = [];
  for (const c of CAMPAIGNS) {
    let runStart: string | null = null;
    let last: string | null = null;
    const close = () => {
      if (runStart && last) areas.push([{ name: `${t('c_campaign')} ${c.name}`, xAxis: runStart }, { xAxis: last }]);
      runStart = last = null;
    };
    for (const tv of ts) {
      const s = span(grain, tv);
      const inside = s !== null && overlapsCampaign(s, c.from, c.to);
      if (inside) {
        runStart ??= tv;
        last = tv;
      } else close();
    }
    close();
  }
  return areas;
}

function overlapsCampaign([a, b]: [string, string], from: string, to: string): boolean {
  for (let y = Number(a.slice(0, 4)); y <= Number(b.slice(0, 4)); y++) {
    if (a <= `${y}-${to}` && b >= `${y}-${from}`) return true;
  }
  return false;
}

/**
 * Day points for every day of from..to: days the API leaves out (nothing happened)
 * read `missing` (0 for counts, null for rates), so the axis does not skip them.
 */
export function everyDay<P extends { t: string }>(points: P[], from: string | undefined, to: string | undefined, missing: (t: string) => P): P[] {
  if (!isDate(from) || !isDate(to) || from > to || daysBetween(from, to) > 3660) return points;
  const byDay = new Map(points.map((p) => [p.t.slice(0, 10), p]));
  const out: P[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(byDay.get(d) ?? missing(d));
  return out;
}

// Anomalies (/api/v1/anomalies): marks on series, the conversations behind them, and
// their sentence in the UI's language.

const ANOMALY_LABEL: Record<string, I18nKey> = {
  conversations: 'k_conversations',
  customer_messages: 'a_customer_messages',
  negative_share: 'a_negative_share',
  frt_p50: 'k_frt_p50',
  three_min_rate: 'k_three_min_rate',
  csat_pct: 'k_csat_pct',
};

/** Which way is worse for a metric (none: volume is neither good nor bad). */
const WORSE: Record<string, 'up' | 'down'> = { negative_share: 'up', frt_p50: 'up', three_min_rate: 'down', csat_pct: 'down' };

export function anomalyMetricLabel(metric: string): string {
  if (metric.startsWith('category:')) return t('a_complaints', { c: categoryLabel(metric.slice(9)) });
  const k = ANOMALY_LABEL[metric];
  return k ? t(k) : metric;
}

function anomalyValue(metric: string, v: number): string {
  if (metric === 'frt_p50') return secs(v);
  if (metric === 'negative_share' || metric === 'three_min_rate') return rate(v);
  if (metric === 'csat_pct') return pct(v);
  return v < 10 && v !== Math.round(v) ? v.toFixed(1) : int(v);
}

/** The anomaly's sentence, e.g. "物流配送投诉 2025-11-12 20:00–21:00：41，预期 7（5.9 倍）". */
export function anomalyText(a: Anomaly): string {
  let when = a.t;
  if (a.grain === 'hour') {
    const h = Number(a.t.slice(11, 13));
    const vars = { day: a.t.slice(0, 10), h: String(h).padStart(2, '0'), h2: String((h + 1) % 24).padStart(2, '0') };
    when = t(a.kind === 'level_shift' ? 'a_hour_from' : 'a_hour', vars);
  }
  const counts = !(a.metric in WORSE) || a.metric === 'frt_p50';
  const ratio = counts && a.expected > 0 ? t('a_ratio', { r: (a.observed / a.expected).toFixed(1) }) : '';
  const vars = { metric: anomalyMetricLabel(a.metric), when, obs: anomalyValue(a.metric, a.observed), exp: anomalyValue(a.metric, a.expected), ratio };
  if (a.kind === 'level_shift') {
    return t('a_shift', { ...vars, dir: t(a.direction === 'up' ? 'a_up' : 'a_down'), n: a.length, unit: t(a.grain === 'hour' ? 'a_hours' : 'a_days') });
  }
  return t('a_spike', vars);
}

/** Red when the move is bad, green when good, orange for volume. */
export function anomalyColor(a: Anomaly): string {
  const worse = a.metric.startsWith('category:') ? 'up' : WORSE[a.metric];
  if (!worse) return '#f08c2e';
  return a.direction === worse ? '#d64545' : '#2bb673';
}

/** Conversations behind an anomaly: its day (and hour), its category. */
export function anomalyDrill(a: Anomaly): Params {
  const p = seriesDrill(a.grain, a.t);
  if (a.metric.startsWith('category:')) p.category = a.metric.slice(9);
  return p;
}

/** ECharts markPoint for the anomalies of one line whose x labels are `ts`. */
export function anomalyMarks(anomalies: Anomaly[], ts: string[]): Record<string, unknown> | undefined {
  const at = new Set(ts);
  const data = anomalies
    .filter((a) => at.has(a.t))
    .map((a) => ({
      name: anomalyText(a),
      coord: [a.t, a.observed],
      value: a.kind === 'level_shift' ? '⇅' : '!',
      itemStyle: { color: anomalyColor(a) },
    }));
  if (!data.length) return undefined;
  return {
    symbol: 'pin',
    symbolSize: 34,
    label: { color: '#fff', fontWeight: 'bold' },
    tooltip: { trigger: 'item', formatter: (p: { name: string }) => p.name },
    data,
  };
}

/** The anomalies of `metric` at `grain`. */
export function anomaliesOf(all: Anomaly[] | null | undefined, metric: string, grain: string): Anomaly[] {
  return (all ?? []).filter((a) => a.metric === metric && a.grain === grain);
}
