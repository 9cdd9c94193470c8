// Number, duration and date helpers. Dates are shop-local 'YYYY-MM-DD' strings and
// are computed in UTC so the browser's own timezone never shifts them.

import { getLang, t } from './i18n';
import type { Num } from './types';

const DASH = '—';

export function int(v: Num | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return Math.round(v).toLocaleString(getLang());
}

export function dec(v: Num | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return v.toFixed(digits);
}

/** A fraction 0..1 as a percentage. */
export function rate(v: Num | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `${(v * 100).toFixed(1)}%`;
}

/** A value already in 0..100. */
export function pct(v: Num | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `${v.toFixed(1)}%`;
}

export function money(v: Num | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `¥${v.toLocaleString(getLang(), { maximumFractionDigits: 0 })}`;
}

export function secs(v: Num | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (v < 60) return `${v.toFixed(v < 10 ? 1 : 0)}${t('sec')}`;
  if (v < 3600) {
    const m = Math.floor(v / 60);
    const s = Math.round(v % 60);
    return `${m}${t('min')}${String(s).padStart(2, '0')}${t('sec')}`;
  }
  const h = Math.floor(v / 3600);
  const m = Math.round((v % 3600) / 60);
  return `${h}${t('hour_unit')}${String(m).padStart(2, '0')}${t('min')}`;
}

/** An RFC 3339 or 'YYYY-MM-DD HH:MM:SS' instant as written, to the second. */
export function stamp(ts: string | null | undefined): string {
  if (!ts) return DASH;
  return ts.replace('T', ' ').slice(0, 19);
}

function parse(d: string): Date {
  return new Date(`${d.slice(0, 10)}T00:00:00Z`);
}

function fmt(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: string, n: number): string {
  const x = parse(d);
  x.setUTCDate(x.getUTCDate() + n);
  return fmt(x);
}

/** Days from a to b inclusive. */
export function daysBetween(a: string, b: string): number {
  return Math.round((parse(b).getTime() - parse(a).getTime()) / 86_400_000) + 1;
}

export function monthEnd(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return fmt(new Date(Date.UTC(y, m, 0)));
}

export function isDate(s: string | undefined): s is string {
  return !!s && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(parse(s).getTime());
}
