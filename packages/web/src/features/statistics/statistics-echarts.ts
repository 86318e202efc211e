import { BarChart as BarChartPart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkAreaComponentOption,
  type TooltipComponentOption,
} from 'echarts/components';
import { init, use as registerParts, type ComposeOption } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { BarChart, TimeSeriesChart } from './chart-spec';
import { SUPPRESSED_TEXT } from './statistics-view';

/**
 * The statistics charts, drawn by Apache ECharts: only lines, bars, their grid, legend,
 * tooltip and shaded areas (the incidents) and the SVG renderer are bundled, in a file of its
 * own that the statistics page loads when it first shows a chart.
 */
registerParts([LineChart, BarChartPart, GridComponent, LegendComponent, TooltipComponent, MarkAreaComponent, SVGRenderer]);

type Option = ComposeOption<LineSeriesOption | BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption | MarkAreaComponentOption>;

const TEXT = '#161616';
const INCIDENT_FILL = 'rgba(179, 64, 0, 0.14)';
const INCIDENT_TEXT = '#7a2c00';
const INCIDENTS = 'Incidents';
const number = new Intl.NumberFormat('fr-FR');
const percent = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A count or a rate in the tooltip; null: suppressed (count) or not computable (rate). */
const tooltipValue = (isPercent: boolean) => (value: unknown) => {
  if (typeof value !== 'number') return isPercent ? '—' : SUPPRESSED_TEXT;
  return isPercent ? `${percent.format(value)} %` : number.format(value);
};

/** 2026-03-10 → 10/03 */
const shortDay = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}`;

function mount(element: HTMLElement, option: Option): () => void {
  const chart = init(element, null, { renderer: 'svg' });
  chart.setOption(option);
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  // Printed at the paper's width, then back to the screen's.
  window.addEventListener('beforeprint', resize);
  window.addEventListener('afterprint', resize);
  return () => {
    window.removeEventListener('resize', resize);
    window.removeEventListener('beforeprint', resize);
    window.removeEventListener('afterprint', resize);
    chart.dispose();
  };
}

/** Series by day: stacked bars and lines, a rate on a second axis, each incident a labelled shaded band. Returns what removes it. */
export function drawTimeSeriesChart(element: HTMLElement, spec: TimeSeriesChart): () => void {
  const hasPercent = spec.series.some((s) => s.percent);
  const marks: MarkAreaComponentOption = {
    silent: true,
    itemStyle: { color: INCIDENT_FILL, borderColor: '#b34000', borderWidth: 1, borderType: 'dashed' },
    label: { show: true, position: 'insideTop', color: INCIDENT_TEXT, fontSize: 11, fontWeight: 'bold' },
    data: spec.incidents.map((incident) => [{ name: incident.label, xAxis: incident.fromDay }, { xAxis: incident.toDay }]),
  };
  const option: Option = {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: TEXT },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, type: 'plain', data: spec.series.map((s) => s.name), textStyle: { color: TEXT } },
    grid: { left: 8, right: hasPercent ? 16 : 24, top: 64, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    // Days as bands (lines too): an incident of one day is shaded over the whole of its day.
    xAxis: { type: 'category', boundaryGap: true, data: spec.days, axisLabel: { color: TEXT, formatter: shortDay } },
    yAxis: [
      { type: 'value', minInterval: 1, min: 0, axisLabel: { color: TEXT, formatter: (value: number) => number.format(value) } },
      ...(hasPercent ? [{ type: 'value' as const, min: 0, max: 100, name: '%', position: 'right' as const, splitLine: { show: false }, axisLabel: { color: TEXT, formatter: (value: number) => `${value} %` } }] : []),
    ],
    series: [
      ...spec.series.map((s) => {
        const common = { name: s.name, data: s.values, itemStyle: { color: s.color }, tooltip: { valueFormatter: tooltipValue(s.percent === true) } };
        return s.kind === 'bar'
          ? ({ ...common, type: 'bar', stack: s.stacked ? 'parts' : undefined, barMaxWidth: 24 } satisfies BarSeriesOption)
          : ({ ...common, type: 'line', yAxisIndex: s.percent ? 1 : 0, connectNulls: false, symbolSize: 5, lineStyle: { color: s.color, width: 2, type: s.percent ? 'dashed' : 'solid' } } satisfies LineSeriesOption);
      }),
      // The incidents on a bar series of their own, without bars: a bar series' area covers whole
      // days (a line's would go from the middle of a day to the middle of another). In the stack
      // of the parts, it takes no room beside their bars.
      ...(spec.incidents.length > 0 ? [{ type: 'bar' as const, name: INCIDENTS, stack: 'parts', data: [], silent: true, tooltip: { show: false }, markArea: marks } satisfies BarSeriesOption] : []),
    ],
  };
  return mount(element, option);
}

/** Horizontal bars, one group per category (a vaccine, a delay). Returns what removes it. */
export function drawBarChart(element: HTMLElement, spec: BarChart): () => void {
  // Top of the list at the top: ECharts draws a category axis from the bottom.
  const categories = [...spec.categories].reverse();
  const option: Option = {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: TEXT },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: tooltipValue(false) },
    legend: { top: 0, textStyle: { color: TEXT } },
    grid: { left: 8, right: 24, top: 40, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: TEXT, formatter: (value: number) => number.format(value) } },
    yAxis: { type: 'category', data: categories, axisLabel: { color: TEXT, width: 200, overflow: 'truncate' } },
    series: spec.series.map((s) => ({ type: 'bar', name: s.name, data: [...s.values].reverse(), itemStyle: { color: s.color }, barMaxWidth: 16 })),
  };
  return mount(element, option);
}
