import { h } from '../dom';
import { int } from '../format';
import { driverFamilyLabel, driverTermLabel, getLang, t, type I18nKey } from '../i18n';
import { fetchWith, load, pageHead, type Ctx } from '../page';
import { href } from '../route';
import type { Drivers } from '../types';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/**
 * A forest plot: one row per term, its odds ratio as a dot and its interval as a
 * line on a log axis, 1 (no effect) marked; significant terms drawn solid.
 */
function forest(d: Drivers): SVGElement {
  const terms = [...d.terms].sort((a, b) => a.p_value - b.p_value).slice(0, 30);
  const rowH = 22;
  const left = 220;
  const width = 720;
  const plotW = width - left - 20;
  const height = terms.length * rowH + 40;
  const lo = Math.min(0.1, ...terms.map((x) => Math.max(x.ci[0], 1e-3)));
  const hi = Math.max(10, ...terms.map((x) => Math.min(x.ci[1], 1e3)));
  const x = (v: number) => left + ((Math.log(Math.min(Math.max(v, lo), hi)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotW;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'data-testid': 'forest' });
  root.append(svg('line', { x1: x(1), x2: x(1), y1: 10, y2: height - 25, stroke: '#9aa4b2', 'stroke-dasharray': '4 3' }));
  for (const tick of [0.1, 0.25, 0.5, 1, 2, 4, 10].filter((v) => v >= lo && v <= hi)) {
    const label = svg('text', { x: x(tick), y: height - 8, 'text-anchor': 'middle', 'font-size': 11, fill: '#5b6472' });
    label.textContent = `×${tick}`;
    root.append(label);
  }
  terms.forEach((term, i) => {
    const y = 20 + i * rowH;
    const colour = !term.significant ? '#9aa4b2' : term.odds_ratio >= 1 ? '#1f8a5b' : '#c0392b';
    const g = svg('g', { 'data-testid': 'forest-term', 'data-term': term.term, 'data-significant': String(term.significant) });
    const name = svg('text', { x: left - 8, y: y + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#1f2733' });
    name.textContent = driverTermLabel(term.term);
    const title = svg('title', {});
    title.textContent = termSentence(term);
    g.append(
      title,
      name,
      svg('line', { x1: x(term.ci[0]), x2: x(term.ci[1]), y1: y, y2: y, stroke: colour, 'stroke-width': 2 }),
      svg('circle', { cx: x(term.odds_ratio), cy: y, r: 4, fill: colour }),
    );
    root.append(g);
  });
  return root;
}

const pText = (p: number | null): string => (p === null ? '–' : p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);

/** A term in words: the server's English sentence, or the same facts in Chinese. */
function termSentence(term: Drivers['terms'][number]): string {
  if (getLang() === 'en') return term.summary;
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  return t('drv_term_line', {
    term: driverTermLabel(term.term),
    or: f(term.odds_ratio),
    lo: f(term.ci[0]),
    hi: f(term.ci[1]),
    p: pText(term.p_value),
    verdict: t(term.significant ? 'sig_yes' : 'sig_no'),
  });
}

function familySentence(f: Drivers['drivers'][number]): string {
  if (getLang() === 'en') return f.summary;
  const share = f.share === null ? '–' : `${(f.share * 100).toFixed(1)}%`;
  return t('drv_family_line', { family: driverFamilyLabel(f.family), share, df: f.df, p: pText(f.p_value) });
}

export function renderDrivers(ctx: Ctx): void {
  const outcome = ['satisfied', 'dissatisfied', 'resolved', 'converted'].includes(ctx.params.outcome) ? ctx.params.outcome : 'satisfied';
  const controls = h(
    'label',
    { class: 'field' },
    h('span', {}, t('drv_outcome')),
    h(
      'select',
      { 'data-testid': 'drivers-outcome', onchange: (e: Event) => (location.hash = href('drivers', { ...ctx.params, outcome: (e.target as HTMLSelectElement).value })) },
      ...['satisfied', 'dissatisfied', 'resolved', 'converted'].map((v) => h('option', { value: v, selected: v === outcome }, t(`drv_${v}` as I18nKey))),
    ),
  );
  const head = h('p', { class: 'muted', 'data-testid': 'drivers-head' }, t('loading'));
  const ranking = h('ol', { class: 'drivers', 'data-testid': 'drivers-ranking' });
  const plot = h('div', { class: 'forest' });
  ctx.root.append(
    pageHead(t('nav_drivers')),
    h('section', { class: 'card' }, controls, head, h('h3', {}, t('drv_ranking')), ranking),
    h('section', { class: 'card' }, h('header', { class: 'card-head' }, h('h3', {}, t('drv_forest'))), plot),
  );
  load(
    ctx,
    fetchWith<Drivers>(ctx, 'drivers', { outcome }),
    (d) => {
      const refs = Object.entries(d.reference_levels).map(([k, v]) => `${k} = ${v}`).join(', ');
      head.textContent = `${t('drv_n', { n: int(d.n), e: int(d.events) })} · pseudo-R² ${d.pseudo_r2.toFixed(3)}${refs ? ` · ${t('drv_refs')} ${refs}` : ''}`;
      ranking.replaceChildren(...d.drivers.slice(0, 8).map((f) => h('li', { 'data-family': f.family, title: f.summary }, familySentence(f))));
      plot.replaceChildren(forest(d), ...d.dropped.map((x) => h('p', { class: 'muted' }, `${x.term}: ${x.reason}`)));
    },
    [],
    () => plot.replaceChildren(h('p', { class: 'muted' }, t('error'))),
  );
}
