import { BarChart, type BarSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use as registerParts, type ComposeOption } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import type { FollowUpRow } from '../../data/messages';

/**
 * The follow-up chart, drawn by Apache ECharts: only the bar chart, its grid, legend and tooltip
 * and the SVG renderer are bundled, in a file of its own that the follow-up page loads when it
 * shows a chart (the rest of the portal never downloads it).
 */
registerParts([BarChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

type Option = ComposeOption<BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

export interface ChartSeries {
  key: keyof Pick<FollowUpRow, 'reached' | 'emailed' | 'delivered' | 'failed' | 'uncertain' | 'read' | 'acknowledged'>;
  label: string;
  color: string;
}

/** Draws horizontal grouped bars, one group per row (a profession, a department); returns what removes it. */
export function drawFollowUpChart(element: HTMLElement, rows: FollowUpRow[], series: ChartSeries[]): () => void {
  const chart = init(element, null, { renderer: 'svg' });
  const french = (value: unknown) => (typeof value === 'number' ? value.toLocaleString('fr-FR') : String(value));
  // Top of the list at the top: ECharts draws a category axis from the bottom.
  const ordered = [...rows].reverse();
  const option: Option = {
    animation: false,
    textStyle: { fontFamily: 'system-ui, sans-serif', color: '#161616' },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: french },
    legend: { top: 0, textStyle: { color: '#161616' } },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#161616', formatter: french } },
    yAxis: { type: 'category', data: ordered.map((row) => row.label), axisLabel: { color: '#161616', width: 180, overflow: 'truncate' } },
    series: series.map((s) => ({ type: 'bar', name: s.label, data: ordered.map((row) => row[s.key]), itemStyle: { color: s.color }, barMaxWidth: 14 })),
  };
  chart.setOption(option);
  const resize = () => chart.resize();
  window.addEventListener('resize', resize);
  return () => {
    window.removeEventListener('resize', resize);
    chart.dispose();
  };
}
