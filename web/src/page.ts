// What a page gets to render itself, and helpers for loading its data.

import { get } from './api';
import { failed } from './charts';
import { h } from './dom';
import { t } from './i18n';
import { drillHref, type Filters, type Params } from './route';
import type { Meta } from './types';
import { reportError } from './ui';

export interface Ctx {
  root: HTMLElement;
  /** Global filters in effect (with the default period filled in). */
  filters: Filters;
  /** Every query parameter of the route. */
  params: Params;
  meta: Meta;
  /** Aborted when the user navigates away. */
  signal: AbortSignal;
}

/** GET with the page's filters (plus `extra`), cancelled with the page. */
export function fetchWith<T>(ctx: Ctx, path: string, extra: Record<string, string | number | undefined> = {}, filters: Filters = ctx.filters): Promise<T> {
  return get<T>(path, { ...filters, ...extra }, ctx.signal);
}

/**
 * Runs `draw` with the data once it arrives; on failure reports the error and marks
 * the named chart boxes as failed.
 */
export function load<T>(ctx: Ctx, data: Promise<T>, draw: (d: T) => void, charts: string[] = [], onFail?: () => void): void {
  // A throw in `draw` (an unexpected shape) is reported like a failed request.
  data
    .then((d) => {
      if (!ctx.signal.aborted) draw(d);
    })
    .catch((err) => {
      if (ctx.signal.aborted) return;
      reportError(err);
      for (const c of charts) failed(ctx.root, c);
      onFail?.();
    });
}

/** The IANA timezone of a shop, for showing its instants in shop time. */
export function tzOf(ctx: Ctx, shop: string): string | undefined {
  return ctx.meta.shops.find((s) => s.id === shop)?.timezone || undefined;
}

export function drill(ctx: Ctx, extra: Params): string {
  return drillHref(ctx.filters, extra);
}

/** The page title with the drill-down hint. */
export function pageHead(title: string, ...extra: Node[]): HTMLElement {
  return h('div', { class: 'page-head' }, h('h1', {}, title), h('p', { class: 'hint' }, t('drill_hint')), ...extra);
}

export function grid(cls: string, ...children: Node[]): HTMLElement {
  return h('div', { class: `grid ${cls}` }, ...children);
}
