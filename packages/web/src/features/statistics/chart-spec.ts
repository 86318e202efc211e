/**
 * What the statistics page asks its charts to draw: plain data, so that the page never loads
 * ECharts itself (statistics-echarts.ts does, when a chart is first shown).
 */

/** An incident over the days of a chart: shaded from its first to its last day, labelled. */
export interface IncidentWindow {
  id: string;
  label: string;
  /** First and last day covered (YYYY-MM-DD), within the period shown. */
  fromDay: string;
  toDay: string;
  /** "Pro Santé Connect indisponible, du 10/03/2026 14:00 au 10/03/2026 18:30" */
  text: string;
}

export interface TimeSeriesLine {
  name: string;
  /** One per day; null: suppressed (or a rate not computable), left out of the chart. */
  values: Array<number | null>;
  kind: 'bar' | 'line';
  /** Bars of one chart stacked on each other (the parts of a total). */
  stacked?: boolean;
  /** On the second axis, in percent. */
  percent?: boolean;
  color: string;
}

export interface TimeSeriesChart {
  days: string[];
  series: TimeSeriesLine[];
  incidents: IncidentWindow[];
}

export interface BarChart {
  categories: string[];
  series: Array<{ name: string; values: Array<number | null>; color: string }>;
}
