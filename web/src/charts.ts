// ECharts (tree-shaken) and the chart boxes every page uses: loading/empty states,
// data-ready markers for tests, resize, and drill-down clicks.

import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkAreaComponent, MarkPointComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { h } from './dom';
import { t } from './i18n';

echarts.use([BarChart, HeatmapChart, LineChart, GridComponent, LegendComponent, MarkAreaComponent, MarkPointComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export type Option = echarts.EChartsCoreOption;
/** Category indices under a click (x axis, y axis) → the drill-down href, or null. */
export type Pick = (x: number, y: number) => string | null;

interface Entry {
  chart: echarts.ECharts;
  pick?: Pick;
  observer: ResizeObserver;
}

const live = new Map<string, Entry>();

declare global {
  interface Window {
    /** Chart name → ECharts instance, for tests and debugging. */
    __kefuCharts: Record<string, echarts.ECharts>;
    /** Runs a chart's drill-down for category indices, as a click there would. */
    __kefuPick: (name: string, x: number, y: number) => string | null;
  }
}
window.__kefuCharts = {};
window.__kefuPick = (name, x, y) => {
  const href = live.get(name)?.pick?.(x, y) ?? null;
  if (href) location.hash = href;
  return href;
};

const PALETTE = ['#2f6fde', '#f08c2e', '#2bb673', '#d64545', '#8e5cd9', '#1fb5c4', '#c9a227', '#e05fa4', '#6b7b8c', '#7cb342'];

/** A titled chart card in its loading state; `fill` it once the data is there. */
export function chartBox(name: string, title: string, extra?: Node): HTMLElement {
  return h(
    'section',
    { class: 'card chart-card' },
    h('header', { class: 'card-head' }, h('h3', {}, title), extra ?? null),
    h(
      'div',
      { class: 'chart-wrap', 'data-testid': `chart-${name}`, 'data-chart': name, 'data-state': 'loading' },
      h('div', { class: 'chart-host' }),
      h('div', { class: 'chart-msg' }, t('loading')),
    ),
  );
}

function wrapOf(root: ParentNode, name: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(`[data-chart="${name}"]`);
  if (!el) throw new Error(`no chart box ${name}`);
  return el;
}

/** Draws `option` into the box, or its empty state when `option` is null. */
export function fill(root: ParentNode, name: string, option: Option | null, pick?: Pick): void {
  const wrap = wrapOf(root, name);
  const host = wrap.querySelector<HTMLElement>('.chart-host')!;
  const msg = wrap.querySelector<HTMLElement>('.chart-msg')!;
  dispose(name);
  if (!option) {
    wrap.dataset.state = 'empty';
    wrap.dataset.empty = '1';
    delete wrap.dataset.ready;
    msg.textContent = t('no_data');
    return;
  }
  const chart = echarts.init(host, undefined, { renderer: 'canvas' });
  chart.setOption({ color: PALETTE, animationDuration: 300, ...option });
  if (pick) {
    wrap.classList.add('drillable');
    chart.getZr().on('click', (e) => {
      const at = [e.offsetX, e.offsetY];
      if (!chart.containPixel({ gridIndex: 0 }, at)) return;
      const [x, y] = chart.convertFromPixel({ gridIndex: 0 }, at) as number[];
      const target = pick(Math.round(x), Math.round(y));
      if (target) location.hash = target;
    });
  }
  const observer = new ResizeObserver(() => chart.resize());
  observer.observe(host);
  live.set(name, { chart, pick, observer });
  window.__kefuCharts[name] = chart;
  wrap.dataset.state = 'ready';
  wrap.dataset.ready = '1';
  delete wrap.dataset.empty;
  msg.textContent = '';
}

/** Marks a box as failed (the banner says why). */
export function failed(root: ParentNode, name: string): void {
  const wrap = wrapOf(root, name);
  wrap.dataset.state = 'error';
  wrap.querySelector('.chart-msg')!.textContent = t('error');
}

function dispose(name: string): void {
  const e = live.get(name);
  if (!e) return;
  e.observer.disconnect();
  e.chart.dispose();
  live.delete(name);
  delete window.__kefuCharts[name];
}

export function disposeAll(): void {
  for (const name of [...live.keys()]) dispose(name);
}

// Option builders shared by the pages.

const axisLabel = { hideOverlap: true };

export function barOption(labels: string[], values: (number | null)[], opts: { horizontal?: boolean; format?: (v: number) => string; name?: string } = {}): Option {
  const cat = { type: 'category', data: labels, axisLabel: { ...axisLabel, interval: opts.horizontal ? 0 : 'auto' } };
  const val = { type: 'value', axisLabel: opts.format ? { formatter: opts.format } : {} };
  return {
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: opts.format },
    xAxis: opts.horizontal ? val : cat,
    yAxis: opts.horizontal ? { ...cat, inverse: true } : val,
    series: [{ type: 'bar', name: opts.name, data: values, barMaxWidth: 36 }],
  };
}

export function lineOption(labels: string[], series: { name: string; data: (number | null)[]; area?: boolean }[], format?: (v: number) => string): Option {
  return {
    grid: { left: 8, right: 16, top: series.length > 1 ? 32 : 16, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: format },
    legend: series.length > 1 ? { top: 0 } : undefined,
    xAxis: { type: 'category', data: labels, boundaryGap: false, axisLabel },
    yAxis: { type: 'value', axisLabel: format ? { formatter: format } : {} },
    series: series.map((s) => ({
      type: 'line',
      name: s.name,
      data: s.data,
      connectNulls: false,
      showSymbol: labels.length <= 40,
      smooth: false,
      areaStyle: s.area ? { opacity: 0.12 } : undefined,
    })),
  };
}

/** True when a series has at least one number to draw. */
export function hasData(values: (number | null | undefined)[]): boolean {
  return values.some((v) => v !== null && v !== undefined && Number.isFinite(v) && v !== 0);
}
