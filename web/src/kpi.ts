// KPI cards: a value from a report body, and its change against the previous period.

import { h } from './dom';
import { dec, int, money, pct, rate, secs } from './format';
import { t, type I18nKey } from './i18n';
import type { Body, Comparison, MetricChange, Num } from './types';

type Kind = 'count' | 'secs' | 'rate' | 'pct' | 'money' | 'score' | 'nps';

export interface Kpi {
  key: string;
  label: I18nKey;
  kind: Kind;
  /** Whether a higher value is the better one (colours the change). */
  higherIsBetter: boolean;
  get: (b: Body) => Num;
}

const FORMAT: Record<Kind, (v: Num) => string> = {
  count: int,
  secs,
  rate,
  pct,
  money,
  score: (v) => dec(v, 2),
  nps: (v) => dec(v, 1),
};

export const KPIS: Record<string, Kpi> = Object.fromEntries(
  (
    [
      ['conversations', 'k_conversations', 'count', true, (b) => b.volume.conversations],
      ['customers', 'k_customers', 'count', true, (b) => b.volume.customers],
      ['frt_p50', 'k_frt_p50', 'secs', false, (b) => b.response.frt_secs.p50],
      ['frt_p90', 'k_frt_p90', 'secs', false, (b) => b.response.frt_secs.p90],
      ['response_p50', 'k_response_p50', 'secs', false, (b) => b.response.response_secs.p50],
      ['response_p90', 'k_response_p90', 'secs', false, (b) => b.response.response_secs.p90],
      ['three_min_rate', 'k_three_min_rate', 'rate', true, (b) => b.response.three_min_rate],
      ['not_served_rate', 'k_not_served_rate', 'rate', false, (b) => b.response.not_served_rate],
      ['resolution_rate', 'k_resolution_rate', 'rate', true, (b) => b.resolution.rate],
      ['csat_pct', 'k_csat_pct', 'pct', true, (b) => b.satisfaction.csat_pct],
      ['dissatisfied_pct', 'k_dissatisfied_pct', 'pct', false, (b) => b.satisfaction.dissatisfied_pct],
      ['csat_mean', 'k_csat_mean', 'score', true, (b) => b.satisfaction.mean],
      ['nps', 'k_nps', 'nps', true, (b) => b.satisfaction.nps],
      ['responses', 'k_responses', 'count', true, (b) => b.satisfaction.responses],
      ['conversion_rate', 'k_conversion_rate', 'rate', true, (b) => b.conversion.rate],
      ['avg_order_value', 'k_avg_order_value', 'money', true, (b) => b.conversion.avg_order_value],
      ['complaint_rate', 'k_complaint_rate', 'rate', false, (b) => b.sentiment?.complaint_rate ?? null],
      ['negative_conv_rate', 'k_negative_conv_rate', 'rate', false, (b) => b.sentiment?.negative_rate ?? null],
      ['ended_negative_rate', 'k_ended_negative_rate', 'rate', false, (b) => b.sentiment?.ended_negative_rate ?? null],
      ['calmed_rate', 'k_calmed_rate', 'rate', true, (b) => b.sentiment?.calmed_rate ?? null],
    ] as [string, I18nKey, Kind, boolean, (b: Body) => Num][]
  ).map(([key, label, kind, higherIsBetter, get]) => [key, { key, label, kind, higherIsBetter, get }]),
);

export function kpiValue(k: Kpi, b: Body): string {
  return FORMAT[k.kind](k.get(b));
}

/** Cards in their loading state. */
export function kpiRow(keys: string[]): HTMLElement {
  return h(
    'div',
    { class: 'kpis', 'data-testid': 'kpis' },
    ...keys.map((key) =>
      h(
        'div',
        { class: 'kpi', 'data-testid': `kpi-${key}`, 'data-kpi': key },
        h('div', { class: 'kpi-label' }, t(KPIS[key].label)),
        h('div', { class: 'kpi-value skeleton', 'data-testid': 'kpi-value' }, '…'),
        h('div', { class: 'kpi-delta' }),
      ),
    ),
  );
}

function change(k: Kpi, cur: Num, prev: Num): { text: string; cls: string } | null {
  if (cur === null || prev === null || !Number.isFinite(cur) || !Number.isFinite(prev)) return null;
  // Rates compare in percentage points; counts, times and money relatively.
  let d: number;
  let text: string;
  if (k.kind === 'rate' || k.kind === 'pct') {
    d = k.kind === 'rate' ? (cur - prev) * 100 : cur - prev;
    text = `${d >= 0 ? '+' : ''}${d.toFixed(1)}pp`;
  } else if (k.kind === 'score' || k.kind === 'nps') {
    d = cur - prev;
    text = `${d >= 0 ? '+' : ''}${d.toFixed(k.kind === 'nps' ? 1 : 2)}`;
  } else {
    if (prev === 0) return null;
    d = (cur - prev) / Math.abs(prev);
    text = `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)}%`;
  }
  const flat = Math.abs(d) < 1e-9;
  const good = d > 0 === k.higherIsBetter;
  return { text: `${d > 0 ? '▲' : d < 0 ? '▼' : ''} ${text}`, cls: flat ? 'flat' : good ? 'good' : 'bad' };
}

/** Fills the cards of `row`; `prev` (the previous period) adds the change line. */
export function fillKpis(row: HTMLElement, cur: Body, prev?: Body | null): void {
  for (const card of row.querySelectorAll<HTMLElement>('[data-kpi]')) {
    const k = KPIS[card.dataset.kpi!];
    const value = card.querySelector<HTMLElement>('.kpi-value')!;
    value.classList.remove('skeleton');
    value.textContent = kpiValue(k, cur);
    const raw = k.get(cur);
    card.dataset.value = raw === null || raw === undefined ? '' : String(raw);
    const delta = card.querySelector<HTMLElement>('.kpi-delta')!;
    if (prev === undefined) continue;
    const c = prev ? change(k, raw, k.get(prev)) : null;
    delta.className = `kpi-delta ${c?.cls ?? 'flat'}`;
    delta.textContent = c ? `${t('vs_prev')} ${c.text}` : t('prev_none');
  }
}

/** The comparison metric behind a card (the card's change line is tested by it). */
export const COMPARE_METRIC: Record<string, string> = {
  conversations: 'conversations',
  customers: 'customers',
  frt_p50: 'frt_secs',
  response_p50: 'response_secs',
  three_min_rate: 'three_min_rate',
  not_served_rate: 'not_served_rate',
  resolution_rate: 'resolution_rate',
  csat_pct: 'csat_pct',
  dissatisfied_pct: 'dissatisfied_pct',
  csat_mean: 'csat_mean',
  nps: 'nps',
  conversion_rate: 'conversion_rate',
  complaint_rate: 'complaint_rate',
  negative_conv_rate: 'negative_conversation_rate',
  calmed_rate: 'calmed_rate',
};

/**
 * Marks each card's change line as significant or not, from `/api/v1/compare` of the
 * same two periods; the hover says it in words (the comparison's sentence).
 */
export function markSignificance(row: HTMLElement, c: Comparison): void {
  for (const card of row.querySelectorAll<HTMLElement>('[data-kpi]')) {
    const metric = COMPARE_METRIC[card.dataset.kpi!];
    const m = metric ? c.metrics.find((x) => x.metric === metric) : undefined;
    const delta = card.querySelector<HTMLElement>('.kpi-delta')!;
    delta.querySelector('.sig')?.remove();
    if (!m) continue;
    const tested = m.p_value !== null;
    card.dataset.significant = tested ? String(m.significant) : '';
    delta.title = sentence(t(KPIS[card.dataset.kpi!].label), m);
    delta.append(h('span', { class: `sig ${m.significant ? 'yes' : 'no'}`, 'data-testid': 'kpi-sig' }, ` · ${t(!tested ? 'sig_untested' : m.significant ? 'sig_yes' : 'sig_no')}`));
    // Noise is not a trend: an insignificant change is not coloured good or bad.
    if (!m.significant) delta.classList.remove('good', 'bad');
  }
}

/** The comparison of one metric in the UI's language: "首响时长 中位数：44秒 → 70秒，显著（p < 0.001）". */
export function sentence(label: string, m: MetricChange): string {
  const side = (x: MetricChange['a']): string => {
    switch (m.kind) {
      case 'duration':
        return secs(x.median ?? null);
      case 'rate':
        return rate(x.rate ?? null);
      case 'mean':
        return dec(x.mean ?? null, 2);
      case 'nps':
        return dec(x.score ?? null, 1);
      default:
        return int(x.total ?? null);
    }
  };
  const tested = m.p_value !== null;
  const p = !tested ? (m.no_test ?? '') : m.p_value! < 0.001 ? 'p < 0.001' : `p = ${m.p_value!.toFixed(3)}`;
  return t('sig_sentence', { metric: label, a: side(m.a), b: side(m.b), verdict: t(!tested ? 'sig_untested' : m.significant ? 'sig_yes' : 'sig_no'), p });
}
