// Hash routes `#/<page>?<query>`: filters live in the URL, so views are shareable and
// the back button walks through filter changes and drill-downs.

export const PAGES = ['overview', 'volume', 'response', 'satisfaction', 'complaints', 'agents', 'compare', 'drivers', 'conversations'] as const;
export type Page = (typeof PAGES)[number];

/** The global filters of API.md, carried from page to page. */
export const FILTER_KEYS = ['from', 'to', 'shop', 'channel', 'agent', 'category', 'cohort'] as const;
export type Filters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

export type Params = Record<string, string>;

export interface Route {
  page: Page;
  params: Params;
}

export function parseHash(hash: string = location.hash): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path, qs = ''] = raw.split('?', 2);
  const page = (PAGES as readonly string[]).includes(path) ? (path as Page) : 'overview';
  const params: Params = {};
  for (const [k, v] of new URLSearchParams(qs)) if (v !== '') params[k] = v;
  return { page, params };
}

export function href(page: Page, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

export function filtersOf(params: Params): Filters {
  const f: Filters = {};
  for (const k of FILTER_KEYS) if (params[k]) f[k] = params[k];
  return f;
}

export function navigate(page: Page, params: Params, replace = false): void {
  const target = href(page, params);
  if (replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

/** The Conversations page with the current filters plus what was clicked. */
export function drillHref(filters: Filters, extra: Params): string {
  return href('conversations', { ...filters, ...extra });
}
