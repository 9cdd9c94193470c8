import { h } from '../dom';
import { dec, int, secs } from '../format';
import { t, type I18nKey } from '../i18n';
import { sentence } from '../kpi';
import { fetchWith, load, pageHead, type Ctx } from '../page';
import { href } from '../route';
import type { Comparison, MetricChange } from '../types';

/** Labels of the comparison's metrics (the report's names). */
const LABEL: Record<string, I18nKey> = {
  conversations: 'm_conversations',
  customers: 'm_customers',
  customer_messages: 'm_customer_messages',
  frt_secs: 'm_frt_secs',
  response_secs: 'm_response_secs',
  resolution_secs: 'm_resolution_secs',
  three_min_rate: 'k_three_min_rate',
  not_served_rate: 'k_not_served_rate',
  resolution_rate: 'k_resolution_rate',
  one_touch_rate: 'm_one_touch_rate',
  reopen_rate: 'm_reopen_rate',
  csat_pct: 'k_csat_pct',
  dissatisfied_pct: 'k_dissatisfied_pct',
  conversion_rate: 'k_conversion_rate',
  negative_conversation_rate: 'k_negative_conv_rate',
  complaint_rate: 'k_complaint_rate',
  calmed_rate: 'k_calmed_rate',
  negative_share: 's_negative_share',
  csat_mean: 'k_csat_mean',
  nps: 'k_nps',
};

export function metricLabel(m: string): string {
  if (LABEL[m]) return t(LABEL[m]);
  const w = /^within_(.+)$/.exec(m);
  return w ? `${t('m_within')} ${w[1]}` : m;
}

/** One side's value as the table shows it. */
function side(m: MetricChange, s: MetricChange['a']): string {
  switch (m.kind) {
    case 'rate':
      return s.rate === undefined ? '–' : `${(s.rate * 100).toFixed(1)}%`;
    case 'duration':
      return s.median === undefined ? '–' : secs(s.median);
    case 'mean':
      return s.mean === undefined ? '–' : dec(s.mean, 2);
    case 'nps':
      return s.score === undefined ? '–' : dec(s.score, 1);
    default:
      return s.mean === undefined ? '–' : dec(s.mean, 1);
  }
}

function change(m: MetricChange): string {
  if (m.change === null) return '–';
  if (m.kind === 'rate') return `${m.change >= 0 ? '+' : ''}${(m.change * 100).toFixed(1)}pp`;
  if (m.kind === 'nps') return `${m.change >= 0 ? '+' : ''}${m.change.toFixed(1)}`;
  if (m.relative_change === null) return '–';
  return `${m.relative_change >= 0 ? '+' : ''}${(m.relative_change * 100).toFixed(0)}%`;
}

function interval(m: MetricChange): string {
  if (!m.ci) return '–';
  const f = (v: number) => (m.kind === 'rate' ? `${(v * 100).toFixed(1)}pp` : m.kind === 'duration' ? secs(v) : dec(v, 2));
  return `[${f(m.ci[0])}, ${f(m.ci[1])}]`;
}

function p(v: number | null): string {
  if (v === null) return '–';
  return v < 0.001 ? '<0.001' : v.toFixed(3);
}

function verdict(m: MetricChange): HTMLElement {
  const key: I18nKey = m.p_value === null ? 'sig_untested' : !m.significant ? 'sig_no' : m.verdict === 'better' ? 'v_better' : m.verdict === 'worse' ? 'v_worse' : 'sig_yes';
  return h('span', { class: `verdict ${m.significant ? m.verdict ?? '' : 'none'}` }, t(key));
}

/** Every metric of the comparison, one row each, significant ones marked. */
function metricsTable(ms: MetricChange[]): HTMLElement {
  return h(
    'table',
    { class: 'data', 'data-testid': 'compare-table' },
    h(
      'thead',
      {},
      h('tr', {}, ...(['cmp_metric', 'cmp_a', 'cmp_b', 'cmp_change', 'cmp_ci', 'cmp_p', 'cmp_q', 'cmp_verdict'] as I18nKey[]).map((k, i) => h('th', { class: i ? 'num' : '' }, t(k)))),
    ),
    h(
      'tbody',
      {},
      ...ms.map((m) =>
        h(
          'tr',
          { 'data-testid': 'compare-row', 'data-metric': m.metric, 'data-significant': String(m.significant), class: m.significant ? `sig ${m.verdict ?? ''}` : '', title: sentence(metricLabel(m.metric), m) },
          h('td', {}, metricLabel(m.metric)),
          h('td', { class: 'num' }, side(m, m.a)),
          h('td', { class: 'num' }, side(m, m.b)),
          h('td', { class: 'num' }, change(m)),
          h('td', { class: 'num' }, interval(m)),
          h('td', { class: 'num' }, p(m.p_value)),
          h('td', { class: 'num' }, p(m.q_value)),
          h('td', { class: 'num' }, verdict(m)),
        ),
      ),
    ),
  );
}

const KEY_METRICS = ['conversations', 'frt_secs', 'three_min_rate', 'resolution_rate', 'csat_pct', 'conversion_rate'];

/** Breakdown rows × the main metrics: b's value, marked when its change is significant. */
function breakdownTable(c: Comparison): HTMLElement {
  if (!c.breakdown.length) return h('p', { class: 'muted' }, t('no_data'));
  return h(
    'table',
    { class: 'data', 'data-testid': 'compare-breakdown' },
    h('thead', {}, h('tr', {}, h('th', {}, t('cmp_key')), ...KEY_METRICS.map((k) => h('th', { class: 'num' }, metricLabel(k))))),
    h(
      'tbody',
      {},
      ...c.breakdown.map((row) =>
        h(
          'tr',
          { 'data-testid': 'compare-key', 'data-key': row.key },
          h('td', {}, row.key),
          ...KEY_METRICS.map((k) => {
            const m = row.metrics.find((x) => x.metric === k);
            if (!m) return h('td', { class: 'num' }, '–');
            const mark = m.significant ? (m.verdict === 'better' ? ' ▲' : m.verdict === 'worse' ? ' ▼' : ' •') : '';
            return h('td', { class: `num ${m.significant ? `sig ${m.verdict ?? ''}` : ''}`, title: sentence(metricLabel(m.metric), m) }, `${side(m, m.b)} (${change(m)})${mark}`);
          }),
        ),
      ),
    ),
  );
}

export function renderCompare(ctx: Ctx): void {
  const vs = ['previous', 'year', 'custom'].includes(ctx.params.vs) ? ctx.params.vs : 'previous';
  const by = ctx.params.by ?? 'agent';
  const set = (k: string, v: string) => (location.hash = href('compare', { ...ctx.params, [k]: v }));
  const controls = h(
    'div',
    { class: 'controls', 'data-testid': 'compare-controls' },
    h(
      'label',
      { class: 'field' },
      h('span', {}, t('cmp_baseline')),
      h(
        'select',
        { 'data-testid': 'compare-vs', onchange: (e: Event) => set('vs', (e.target as HTMLSelectElement).value) },
        ...(['previous', 'year', 'custom'] as const).map((v) => h('option', { value: v, selected: v === vs }, t(`cmp_vs_${v}` as I18nKey))),
      ),
    ),
    ...(vs === 'custom'
      ? (['a_from', 'a_to'] as const).map((k) =>
          h(
            'label',
            { class: 'field' },
            h('span', {}, t(k === 'a_from' ? 'cmp_a_from' : 'cmp_a_to')),
            h('input', { type: 'date', 'data-testid': `compare-${k}`, value: ctx.params[k] ?? '', onchange: (e: Event) => set(k, (e.target as HTMLInputElement).value) }),
          ),
        )
      : []),
    h(
      'label',
      { class: 'field' },
      h('span', {}, t('cmp_by')),
      h(
        'select',
        { 'data-testid': 'compare-by', onchange: (e: Event) => set('by', (e.target as HTMLSelectElement).value) },
        ...['agent', 'shop', 'channel', 'category', 'product'].map((v) => h('option', { value: v, selected: v === by }, v)),
      ),
    ),
  );
  const head = h('p', { class: 'muted', 'data-testid': 'compare-head' }, t('loading'));
  const table = h('div', { class: 'table-scroll' }, h('p', { class: 'muted' }, t('loading')));
  const breakdown = h('div', { class: 'table-scroll' });
  ctx.root.append(
    pageHead(t('nav_compare')),
    h('section', { class: 'card' }, controls, head, table),
    h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h3', {}, `${t('cmp_by')} ${by}`)), breakdown),
  );
  const extra: Record<string, string> = { by };
  if (vs === 'custom') {
    if (!ctx.params.a_from || !ctx.params.a_to) {
      head.textContent = t('cmp_pick_a');
      table.replaceChildren();
      return;
    }
    extra.a = `${ctx.params.a_from}..${ctx.params.a_to}`;
  } else {
    extra.vs = vs;
  }
  load(
    ctx,
    fetchWith<Comparison>(ctx, 'compare', extra),
    (c) => {
      const sig = c.metrics.filter((m) => m.significant).length;
      head.textContent = `${t('cmp_b')} ${c.b.from}..${c.b.to} · ${t('cmp_a')} ${c.a.from}..${c.a.to} · α = ${c.alpha} · ${t('cmp_significant_n', { n: int(sig), m: int(c.metrics.length) })}`;
      table.replaceChildren(metricsTable(c.metrics));
      breakdown.replaceChildren(breakdownTable(c));
    },
    [],
    () => table.replaceChildren(h('p', { class: 'muted' }, t('error'))),
  );
}
