// The shell: navigation, global filter bar, language switch; renders the page of the
// current hash route and re-renders on every route change.

import './style.css';
import { get } from './api';
import { disposeAll } from './charts';
import { h } from './dom';
import { addDays, isDate } from './format';
import { categoryLabel, getLang, setLang, t, type I18nKey } from './i18n';
import type { Ctx } from './page';
import { renderAgents } from './pages/agents';
import { renderCompare } from './pages/compare';
import { renderComplaints } from './pages/complaints';
import { renderConversations } from './pages/conversations';
import { renderDrivers } from './pages/drivers';
import { renderOverview } from './pages/overview';
import { renderResponse } from './pages/response';
import { renderSatisfaction } from './pages/satisfaction';
import { renderVolume } from './pages/volume';
import { FILTER_KEYS, filtersOf, href, navigate, PAGES, parseHash, type Page, type Params } from './route';
import type { Meta } from './types';
import { clearError, mountUi, reportError } from './ui';

const RENDER: Record<Page, (ctx: Ctx) => void> = {
  overview: renderOverview,
  volume: renderVolume,
  response: renderResponse,
  satisfaction: renderSatisfaction,
  complaints: renderComplaints,
  agents: renderAgents,
  compare: renderCompare,
  drivers: renderDrivers,
  conversations: renderConversations,
};

/** Days in the default period when the URL names none. */
const DEFAULT_DAYS = 30;

const EMPTY_META: Meta = { shops: [], channels: [], agents: [], categories: [], date_range: { from: null, to: null } };

let meta: Meta | null = null;
let inFlight: AbortController | null = null;

const app = document.getElementById('app')!;
const side = h('aside', { class: 'side' });
const banner = h('div', { class: 'banner', 'data-testid': 'error-banner', role: 'alert', hidden: true });
const filterBar = h('form', { class: 'filters', 'data-testid': 'filters' });
const pageRoot = h('div', { class: 'page' });
app.append(h('div', { class: 'shell' }, side, h('main', { class: 'main', 'data-testid': 'main' }, banner, filterBar, pageRoot)));

mountUi(banner, () => {
  clearError();
  meta = null;
  void render();
});

async function render(): Promise<void> {
  inFlight?.abort();
  const ctrl = new AbortController();
  inFlight = ctrl;
  const { page, params } = parseHash();
  document.documentElement.lang = getLang();
  document.title = `${t(`nav_${page}` as I18nKey)} · ${t('app_title')}`;

  if (!meta) {
    try {
      meta = await get<Meta>('meta', {}, ctrl.signal);
    } catch (err) {
      if (ctrl.signal.aborted) return;
      reportError(err);
      meta = EMPTY_META;
    }
    if (ctrl.signal.aborted) return;
  }

  // No period in the URL: the last DEFAULT_DAYS days of the data, written into the
  // URL so the view can be shared as is.
  const last = meta.date_range.to;
  if (!params.from && !params.to && isDate(last ?? undefined)) {
    const first = meta.date_range.from;
    let from = addDays(last!, -(DEFAULT_DAYS - 1));
    if (isDate(first ?? undefined) && from < first!) from = first!;
    navigate(page, { ...params, from, to: last! }, true);
    return;
  }

  disposeAll();
  renderSide(page, params);
  renderFilters(page, params, meta);
  pageRoot.replaceChildren();
  pageRoot.dataset.testid = `page-${page}`;
  RENDER[page]({ root: pageRoot, filters: filtersOf(params), params, meta, signal: ctrl.signal });
}

function renderSide(page: Page, params: Params): void {
  const carry = filtersOf(params);
  const nav = h(
    'nav',
    { class: 'nav', 'data-testid': 'nav' },
    ...PAGES.map((p) =>
      h('a', { href: href(p, carry), class: p === page ? 'on' : '', 'data-testid': `nav-${p}`, 'aria-current': p === page ? 'page' : null }, t(`nav_${p}` as I18nKey)),
    ),
    h('a', { href: '/api/v1/docs', target: '_blank', rel: 'noopener', class: 'docs', 'data-testid': 'nav-docs' }, t('nav_docs')),
  );
  side.replaceChildren(
    h('div', { class: 'brand' }, h('span', { class: 'logo' }, '客'), h('span', {}, t('app_title'))),
    nav,
    h(
      'button',
      {
        type: 'button',
        class: 'lang',
        'data-testid': 'lang-switch',
        onclick: () => {
          setLang(getLang() === 'en' ? 'zh-CN' : 'en');
          void render();
        },
      },
      t('lang_switch'),
    ),
  );
  // On a phone the nav is one scrolling row: keep the current page's link in sight.
  const on = nav.querySelector<HTMLElement>('a.on');
  if (on && nav.scrollWidth > nav.clientWidth) nav.scrollLeft = on.offsetLeft - (nav.clientWidth - on.offsetWidth) / 2;
}

function renderFilters(page: Page, params: Params, m: Meta): void {
  // A new global filter starts the list from the top and closes an open transcript.
  const change = (key: string, value: string) => navigate(page, { ...params, [key]: value, offset: '', open: '', open_shop: '' });
  const select = (key: string, label: I18nKey, values: string[], show: (v: string) => string = (v) => v) => {
    const current = params[key] ?? '';
    // Keep a value from a shared link selectable even when meta does not list it.
    const all = current && !values.includes(current) ? [...values, current] : values;
    return field(
      label,
      h(
        'select',
        { 'data-testid': `filter-${key}`, name: key, onchange: (e: Event) => change(key, (e.target as HTMLSelectElement).value) },
        h('option', { value: '' }, t('f_all')),
        ...all.map((v) => h('option', { value: v, selected: v === current }, show(v))),
      ),
    );
  };
  const date = (key: 'from' | 'to', label: I18nKey) =>
    field(
      label,
      h('input', {
        type: 'date',
        name: key,
        'data-testid': `filter-${key}`,
        value: params[key] ?? '',
        min: m.date_range.from ?? undefined,
        max: m.date_range.to ?? undefined,
        onchange: (e: Event) => change(key, (e.target as HTMLInputElement).value),
      }),
    );
  const reset: Params = {};
  for (const [k, v] of Object.entries(params)) if (!(FILTER_KEYS as readonly string[]).includes(k)) reset[k] = v;
  filterBar.replaceChildren(
    date('from', 'f_from'),
    date('to', 'f_to'),
    select('shop', 'f_shop', m.shops.map((s) => s.id)),
    select('channel', 'f_channel', m.channels),
    select('agent', 'f_agent', m.agents),
    select('category', 'f_category', m.categories, categoryLabel),
    field(
      'f_cohort',
      h(
        'select',
        { 'data-testid': 'filter-cohort', name: 'cohort', onchange: (e: Event) => change('cohort', (e.target as HTMLSelectElement).value) },
        h('option', { value: '', selected: !params.cohort }, t('cohort_start')),
        h('option', { value: 'event', selected: params.cohort === 'event' }, t('cohort_event')),
      ),
    ),
    h('a', { class: 'btn reset', href: href(page, reset), 'data-testid': 'filter-reset' }, t('f_reset')),
  );
}

function field(label: I18nKey, control: HTMLElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, t(label)), control);
}

window.addEventListener('hashchange', () => void render());
setLang(getLang());
void render();
