// Pieces several pages share: series drill-downs and campaign periods.

import { addDays, daysBetween, isDate, monthEnd } from '../format';
import { t } from '../i18n';
import type { Params } from '../route';

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
