import { csvBlob } from '../../data/csv';
import { SUPPRESSION_THRESHOLD, parisDay, type Statistics, type StatisticsFilters, type StatisticsSeries } from '../../data/statistics';
import type { BarChart, IncidentWindow, TimeSeriesChart, TimeSeriesLine } from './chart-spec';

/**
 * What the statistics page shows, built once from the server's answer: the tables (the
 * accessible data of every chart), the charts' data and the CSV all come from here, so that the
 * three always say the same thing.
 */

export type Cell =
  | { kind: 'count'; value: number | null }
  | { kind: 'rate'; value: number | null }
  | { kind: 'day'; value: string }
  | { kind: 'text'; value: string };

export interface TableRow {
  key: string;
  header: Cell;
  cells: Cell[];
  /** A day during an incident (marked in the table as on the chart). */
  incident?: boolean;
}

export interface DataTable {
  id: string;
  caption: string;
  /** The first column's heading (the rows' headers). */
  head: string;
  columns: string[];
  rows: TableRow[];
  /** The total line, last (tfoot). */
  total?: TableRow;
}

// ---------------------------------------------------------------------------------------------
// How a cell is written, on the page and in the CSV

/** What a suppressed count is shown as: below the threshold, or hidden so that another cannot be worked out. */
export const SUPPRESSED_TEXT = 'masqué';
/** What a rate that cannot be computed is shown as. */
export const NO_RATE_TEXT = '—';

const count = new Intl.NumberFormat('fr-FR');
const rate = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dayFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** 2026-03-10 → 10/03/2026 */
export const formatDay = (day: string): string => dayFormat.format(new Date(`${day}T00:00:00Z`));
/** An instant, Paris time: 10/03/2026 14:05 */
export const formatDateTime = (instant: string): string => dateTimeFormat.format(new Date(instant)).replace(',', '');

/** On the page: suppressed counts "masqué", rates not computable "—", French numbers (1 234 ; 12,5). */
export function cellText(cell: Cell): string {
  switch (cell.kind) {
    case 'count':
      return cell.value === null ? SUPPRESSED_TEXT : count.format(cell.value);
    case 'rate':
      return cell.value === null ? NO_RATE_TEXT : rate.format(cell.value);
    case 'day':
      return formatDay(cell.value);
    case 'text':
      return cell.value;
  }
}

/**
 * In the CSV: a suppressed count or a rate not computable is an empty field (the file's
 * comment lines say why), counts without thousands separators, rates with a decimal comma,
 * days as YYYY-MM-DD: what a French spreadsheet reads as numbers and dates.
 */
export function cellCsv(cell: Cell): string {
  switch (cell.kind) {
    case 'count':
      return cell.value === null ? '' : String(cell.value);
    case 'rate':
      return cell.value === null ? '' : rate.format(cell.value);
    case 'day':
    case 'text':
      return cell.value;
  }
}

// ---------------------------------------------------------------------------------------------
// The series, by group

export interface SeriesGroup {
  group: StatisticsSeries['group'];
  title: string;
  /** Said under the title (ROBERT: national whatever the filters). */
  note?: string;
}

export const SERIES_GROUPS: readonly SeriesGroup[] = [
  { group: 'tests', title: 'Tests, résultats positifs et taux de positivité' },
  { group: 'vaccinations', title: 'Vaccinations par dose' },
  { group: 'codes', title: 'Codes de déclaration StopCovid émis, utilisés et expirés' },
  { group: 'declarations', title: 'Déclarations dans l’application StopCovid' },
  {
    group: 'robert',
    title: 'Notification d’exposition (ROBERT), chiffres nationaux',
    note: 'Le protocole ROBERT ne connaît ni lieu ni profession : ces chiffres sont nationaux, quels que soient la zone et la profession choisies.',
  },
  { group: 'late', title: 'Actes saisis en différé (après un incident), par délai de saisie' },
];

const PALETTE = ['#000091', '#b34000', '#18753c', '#6a6af4', '#a94645', '#716043', '#3a3a3a', '#009099'];
const POSITIVES = '#ce0500';
const RATE = '#161616';
const TOTAL = '#3a3a3a';

/** Incidents over the period, each from its first to its last day shown. */
export function incidentWindows(stats: Statistics): IncidentWindow[] {
  return stats.incidents.map((incident) => {
    const start = parisDay(incident.startedAt);
    // An incident closed at midnight ends the day before.
    const end = incident.endedAt ? parisDay(new Date(new Date(incident.endedAt).getTime() - 1)) : stats.to;
    const until = incident.endedAt ? `au ${formatDateTime(incident.endedAt)}` : 'toujours en cours';
    return {
      id: incident.id,
      label: incident.label,
      fromDay: start < stats.from ? stats.from : start,
      toDay: end > stats.to ? stats.to : end < stats.from ? stats.from : end,
      text: `${incident.label}, du ${formatDateTime(incident.startedAt)} ${until}`,
    };
  });
}

const incidentsOn = (windows: readonly IncidentWindow[], day: string) => windows.filter((w) => w.fromDay <= day && day <= w.toDay);

const seriesCell = (series: StatisticsSeries, i: number): Cell => ({ kind: series.unit === 'percent' ? 'rate' : 'count', value: series.values[i] ?? null });

/** The day-by-day table of a group: one column per series, then the incidents of the day. */
export function groupTable(stats: Statistics, group: SeriesGroup, windows: readonly IncidentWindow[]): DataTable {
  const series = stats.series.filter((s) => s.group === group.group);
  return {
    id: `statistiques-${group.group}`,
    caption: `${group.title}, par jour`,
    head: 'Jour',
    columns: [...series.map((s) => s.label), 'Incident'],
    rows: stats.days.map((day, i) => {
      const incidents = incidentsOn(windows, day);
      return {
        key: day,
        header: { kind: 'day', value: day },
        cells: [...series.map((s) => seriesCell(s, i)), { kind: 'text', value: incidents.map((w) => w.label).join(', ') }],
        incident: incidents.length > 0,
      };
    }),
  };
}

/** A series' name in a chart's legend, under the chart's own title: without what the title says ("(ROBERT, national)"). */
const shortName = (s: StatisticsSeries) => s.label.replace(/ \(ROBERT, national\)$/, '');
/** A part of a total, by what tells it from the others: "Tests, test antigénique" → "test antigénique". */
const partName = (s: StatisticsSeries) => {
  const comma = s.label.indexOf(', ');
  return comma < 0 ? s.label : s.label.slice(comma + 2);
};

/** What a group's chart draws: the parts of a total as stacked bars, totals and counters as lines, the rate on a second axis. */
export function groupChart(stats: Statistics, group: SeriesGroup, windows: IncidentWindow[]): TimeSeriesChart {
  const series = stats.series.filter((s) => s.group === group.group);
  const byKey = (key: string) => series.find((s) => s.key === key);
  const line = (s: StatisticsSeries, color: string, extra: Partial<TimeSeriesLine> = {}): TimeSeriesLine => ({ name: shortName(s), values: s.values, kind: 'line', color, ...extra });
  const parts = (prefix: string) =>
    series.filter((s) => s.key.startsWith(prefix) && s.key !== `${prefix}all`).map((s, i): TimeSeriesLine => ({ name: partName(s), values: s.values, kind: 'bar', stacked: true, color: PALETTE[i % PALETTE.length]! }));
  let lines: TimeSeriesLine[];
  // The total as a line over its parts: a part suppressed leaves a gap in the bars, not in the total.
  const total = (key: string) => {
    const s = byKey(key);
    return s ? [line(s, TOTAL)] : [];
  };
  switch (group.group) {
    case 'tests': {
      const positives = byKey('positives.all');
      const positivity = byKey('positivity');
      lines = [...parts('tests.'), ...total('tests.all'), ...(positives ? [line(positives, POSITIVES)] : []), ...(positivity ? [line(positivity, RATE, { percent: true })] : [])];
      break;
    }
    case 'vaccinations':
      lines = [...parts('vaccinations.'), ...total('vaccinations.all')];
      break;
    case 'late':
      lines = [...parts('late.'), ...total('late.all')];
      break;
    case 'codes':
      lines = series.filter((s) => s.key.endsWith('.all')).map((s, i) => line(s, PALETTE[i % PALETTE.length]!));
      break;
    case 'declarations':
      lines = series.map((s, i): TimeSeriesLine => ({ name: shortName(s), values: s.values, kind: 'bar', color: PALETTE[i % PALETTE.length]! }));
      break;
    default:
      lines = series.map((s, i) => line(s, PALETTE[i % PALETTE.length]!, s.unit === 'percent' ? { percent: true } : {}));
  }
  return { days: stats.days, series: lines, incidents: windows };
}

export const DEPARTMENT_COLUMNS = [
  ['tests', 'Tests', 'count'],
  ['positives', 'Tests positifs', 'count'],
  ['positivity', 'Taux de positivité (%)', 'rate'],
  ['vaccinations', 'Vaccinations', 'count'],
  ['codesIssued', 'Codes émis', 'count'],
  ['codesUsed', 'Codes utilisés', 'count'],
  ['declarations', 'Déclarations', 'count'],
  ['lateActs', 'Actes saisis en différé', 'count'],
] as const;

/** A department where nothing is counted over the period (a suppressed count is something). */
export const isEmptyDepartment = (line: Statistics['byDepartment'][number]): boolean => DEPARTMENT_COLUMNS.every(([key, , kind]) => kind === 'rate' || line[key] === 0);

/** Over the whole period, one line per department (`withoutEmpty`: those with something counted), then the total. */
export function departmentTable(stats: Statistics, withoutEmpty = false): DataTable {
  const rowOf = (line: Statistics['byDepartment'][number]): TableRow => ({
    key: line.code,
    header: { kind: 'text', value: line.name },
    cells: DEPARTMENT_COLUMNS.map(([key, , kind]) => ({ kind, value: line[key] })),
  });
  const lines = stats.byDepartment.filter((line) => line.code !== 'total' && !(withoutEmpty && isEmptyDepartment(line)));
  const total = stats.byDepartment.find((line) => line.code === 'total');
  return {
    id: 'statistiques-departements',
    caption: `Par département, du ${formatDay(stats.from)} au ${formatDay(stats.to)}`,
    head: 'Département',
    columns: DEPARTMENT_COLUMNS.map(([, label]) => label),
    rows: lines.map(rowOf),
    total: total ? rowOf(total) : undefined,
  };
}

export function productTable(stats: Statistics): DataTable {
  return {
    id: 'statistiques-vaccins',
    caption: `Vaccinations par vaccin, du ${formatDay(stats.from)} au ${formatDay(stats.to)}`,
    head: 'Vaccin',
    columns: ['Vaccinations'],
    rows: stats.vaccinationsByProduct.map((p) => ({ key: p.product, header: { kind: 'text', value: p.label }, cells: [{ kind: 'count', value: p.count }] })),
  };
}

export function productChart(stats: Statistics): BarChart {
  return { categories: stats.vaccinationsByProduct.map((p) => p.label), series: [{ name: 'Vaccinations', values: stats.vaccinationsByProduct.map((p) => p.count), color: PALETTE[0]! }] };
}

export function delayTable(stats: Statistics): DataTable {
  return {
    id: 'statistiques-delais',
    caption: `Actes saisis en différé par délai entre l’acte et sa saisie, du ${formatDay(stats.from)} au ${formatDay(stats.to)}`,
    head: 'Délai de saisie',
    columns: ['Tests', 'Vaccinations'],
    rows: stats.lateDelays.map((d) => ({ key: d.bucket, header: { kind: 'text', value: d.label }, cells: [{ kind: 'count', value: d.tests }, { kind: 'count', value: d.vaccinations }] })),
  };
}

export function delayChart(stats: Statistics): BarChart {
  return {
    categories: stats.lateDelays.map((d) => d.label),
    series: [
      { name: 'Tests', values: stats.lateDelays.map((d) => d.tests), color: PALETTE[0]! },
      { name: 'Vaccinations', values: stats.lateDelays.map((d) => d.vaccinations), color: PALETTE[1]! },
    ],
  };
}

export function incidentTable(stats: Statistics): DataTable {
  return {
    id: 'statistiques-incidents',
    caption: 'Incidents sur la période (zones grisées des graphiques)',
    head: 'Incident',
    columns: ['Début', 'Fin'],
    rows: stats.incidents.map((i) => ({
      key: i.id,
      header: { kind: 'text', value: i.label },
      cells: [
        { kind: 'text', value: formatDateTime(i.startedAt) },
        { kind: 'text', value: i.endedAt ? formatDateTime(i.endedAt) : 'en cours' },
      ],
    })),
  };
}

/** Anything counted over the period: a suppressed count (null) is something; a rate is not a figure of its own. */
export function hasFigures(stats: Statistics): boolean {
  return stats.series.some((s) => s.unit === 'count' && s.values.some((value) => value !== 0)) || stats.vaccinationsByProduct.length > 0;
}

// ---------------------------------------------------------------------------------------------
// What is shown, in words (the page's summary, the printout, the CSV's first lines)

export interface ViewDescription {
  period: string;
  zone: string;
  profession: string;
  refreshed: string;
}

export function describeView(stats: Statistics, filters: StatisticsFilters): ViewDescription {
  const departmentName = (code: string) => stats.options.departments.find((d) => d.code === code)?.name ?? code;
  const regionName = (code: string) => stats.options.regions.find((r) => r.code === code)?.name ?? code;
  let zone: string;
  if (filters.departments.length > 0) zone = filters.departments.map((code) => `${departmentName(code)} (${code})`).join(', ');
  else if (filters.region) zone = `région ${regionName(filters.region)}`;
  else if (stats.scope.kind === 'regional') zone = `région ${stats.scope.regionName ?? stats.scope.region ?? ''} (votre périmètre)`;
  else zone = 'France entière';
  const profession = stats.profession ? (stats.options.professions.find((p) => p.code === stats.profession)?.label ?? stats.profession) : 'toutes';
  return {
    period: `du ${formatDay(stats.from)} au ${formatDay(stats.to)} (${stats.days.length} jour${stats.days.length > 1 ? 's' : ''})`,
    zone,
    profession,
    refreshed: stats.refreshedAt ? `le ${formatDateTime(stats.refreshedAt)}` : 'pas encore',
  };
}

/** The note on the page and in the CSV: how suppressed cells are written, and why. */
export const SUPPRESSION_NOTE = `Secret statistique : aucun effectif de 1 à ${SUPPRESSION_THRESHOLD - 1} n’est publié, pour que personne ne puisse être reconnu. Sur la page, un tel effectif est écrit « ${SUPPRESSED_TEXT} » ; d’autres effectifs, même supérieurs, le sont aussi quand on pourrait sinon le retrouver par différence avec un total publié (celui du jour, de la période ou d’un département). Un taux qui ne peut être calculé (effectif masqué ou nul) est écrit « ${NO_RATE_TEXT} ». Dans le fichier CSV, ces cellules sont vides ; 0 veut dire aucun.`;

// ---------------------------------------------------------------------------------------------
// The CSV: what the page shows, from the same tables

export function csvFilename(stats: Statistics): string {
  return `statistiques_${stats.from}_${stats.to}.csv`;
}

/**
 * The figures shown, as one CSV file: comment lines (#) for the filters and the suppression
 * note, then the day-by-day series (the group tables side by side: one line per day, one
 * column per series, and the incidents of the day), the table by department with its total,
 * vaccinations by vaccine, late entries by delay, and the incidents. Sections are separated by
 * an empty line and named by a comment line.
 */
export function statisticsCsv(stats: Statistics, filters: StatisticsFilters, options: { withoutEmptyDepartments?: boolean } = {}): Blob {
  const view = describeView(stats, filters);
  const windows = incidentWindows(stats);
  const groups = SERIES_GROUPS.map((group) => groupTable(stats, group, windows)).filter((table) => table.columns.length > 1);
  const lines: Array<string | string[]> = [
    `# Statistiques ProStopCovid, ${view.period}`,
    `# Zone : ${view.zone} ; profession : ${view.profession}`,
    `# Chiffres reconstruits ${view.refreshed} ; fichier créé le ${formatDateTime(new Date().toISOString())} (heure de Paris)`,
    `# Cellule vide : effectif de 1 à ${SUPPRESSION_THRESHOLD - 1}, masqué (secret statistique), ou taux non calculable ; 0 : aucun. Les séries ROBERT sont nationales.`,
    '',
    '# Par jour',
    ['Jour', 'Incident', ...groups.flatMap((table) => table.columns.slice(0, -1))],
    ...stats.days.map((day, i) => [day, incidentsOn(windows, day).map((w) => w.label).join(', '), ...groups.flatMap((table) => table.rows[i]!.cells.slice(0, -1).map(cellCsv))]),
  ];
  const section = (title: string, table: DataTable, withKey = false) => {
    lines.push('', `# ${title}`, [...(withKey ? ['Code'] : []), table.head, ...table.columns]);
    for (const row of [...table.rows, ...(table.total ? [table.total] : [])]) lines.push([...(withKey ? [row.key] : []), cellCsv(row.header), ...row.cells.map(cellCsv)]);
  };
  section(
    options.withoutEmptyDepartments ? 'Par département, sur la période (sans les départements où rien n’est compté)' : 'Par département, sur la période',
    departmentTable(stats, options.withoutEmptyDepartments),
    true,
  );
  section('Vaccinations par vaccin', productTable(stats), true);
  section('Actes saisis en différé, par délai de saisie', delayTable(stats));
  section('Incidents (heure de Paris)', incidentTable(stats));
  return csvBlob(lines);
}
