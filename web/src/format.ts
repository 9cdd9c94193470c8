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

/**
 * An instant to the second, in the shop's timezone when it carries an offset (the
 * server writes UTC instants), else as written.
 */
export function stamp(ts: string | null | undefined, tz?: string): string {
  if (!ts) return DASH;
  const s = ts.trim().replace(' ', 'T');
  if (tz && /(Z|[+-]\d{2}:?\d{2})$/i.test(s)) {
    // Date parses milliseconds, not the microseconds the store keeps.
    const d = new Date(s.replace(/(\.\d{3})\d+/, '$1'));
    if (!Number.isNaN(d.getTime())) {
      try {
        return zoned(tz).format(d);
      } catch {
        // An unknown timezone name: fall through to the instant as written.
      }
    }
  }
  return s.replace('T', ' ').slice(0, 19);
}

const formats = new Map<string, Intl.DateTimeFormat>();

function zoned(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    // sv-SE writes YYYY-MM-DD HH:MM:SS.
    f = new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formats.set(tz, f);
  }
  return f;
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
