import {
  MAX_PERIOD_DAYS,
  SUPPRESSION_THRESHOLD,
  type CodeKpi,
  type DepartmentFigures,
  type KpiQuery,
  type Statistics,
  type StatisticsQuery,
  type StatisticsSeries,
} from '@prostopcovid/contracts/statistics';
import type { Static } from 'typebox';
import type { OperatorKeyScope } from '../operator-keys/operator-keys.service.js';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { addDays, daysBetween, parisDate, parisDayStart, parseIsoDate, type IsoDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { departmentLabel, departments as allDepartments, findRegion, regions as allRegions } from '../../platform/territories.js';
import { defaultPolicy, professionLabel } from '../auth/policy.js';
import { operatorScope } from '../messages/messages.service.js';
import * as repo from './statistics.repository.js';
import { findVaccineProduct } from '../reference/reference.service.js';

export interface StatisticsDeps {
  db: Db;
  operators: Config['operators'];
}

/** A recording day is rebuilt for the last time this long after it ends (longer than any transaction). */
const CLOSE_AFTER_MS = 10 * 60_000;

// ---------------------------------------------------------------------------------------------
// The rollup: rebuilt by a periodic job

/**
 * Rebuilds the figures of every recording day not yet closed, from the day after the last
 * closed one (or the first with data) to today, one transaction per day. A day is closed once
 * rebuilt 10 minutes after it ended: by then every act recorded that day is committed. Only
 * one process rebuilds at a time. Returns the days rebuilt (empty when another process held
 * the lock).
 */
export async function refreshStatistics(db: Db, now: Date): Promise<string[]> {
  const today = parisDate(now);
  const state = await repo.readState(db);
  let day: IsoDate;
  if (state) day = addDays(state.day, 1);
  else {
    const first = await repo.earliestRecordedDay(db);
    day = first ? parisDate(first) : today;
  }
  // Closed days are contiguous: the state moves past a day only once that day closes.
  let closedThrough: IsoDate = addDays(day, -1);
  const rebuilt: string[] = [];
  for (; day <= today; day = addDays(day, 1)) {
    const from = parisDayStart(day);
    const to = parisDayStart(addDays(day, 1));
    if (now.getTime() >= to.getTime() + CLOSE_AFTER_MS && closedThrough === addDays(day, -1)) closedThrough = day;
    const done = await db.transaction().execute(async (trx) => {
      if (!(await repo.tryRefreshLock(trx))) return false;
      await repo.rebuildRecordedDay(trx, day, from, to, now);
      // Never backwards (another process may have gone further); the run's time in any case.
      await repo.writeState(trx, closedThrough, now);
      return true;
    });
    if (!done) break;
    rebuilt.push(day);
  }
  return rebuilt;
}

// ---------------------------------------------------------------------------------------------
// Suppression

/** A count as published: 1 to 10 suppressed (null), so that no one can be singled out. */
export function suppress(count: number): number | null {
  return count > 0 && count < SUPPRESSION_THRESHOLD ? null : count;
}

/**
 * Counts published beside their total: each under the threshold is suppressed, and when only
 * one part is, the smallest other non-zero part goes too, or the total minus the others would
 * give it back.
 */
export function suppressParts(parts: readonly number[]): Array<number | null> {
  const shown: Array<number | null> = parts.map(suppress);
  const hidden = shown.filter((value, i) => value === null && parts[i]! > 0).length;
  if (hidden === 1) {
    let smallest = -1;
    parts.forEach((value, i) => {
      if (shown[i] !== null && value > 0 && (smallest < 0 || value < parts[smallest]!)) smallest = i;
    });
    if (smallest >= 0) shown[smallest] = null;
  }
  return shown;
}

/**
 * Published counts tied by published sums. Each count from 1 to 10 is hidden; then, while a sum
 * has exactly one hidden cell (which the others would give back), the smallest other non-zero
 * cell of that sum is hidden too — repeated until nothing changes, as the sums share cells.
 */
export class LinkedCells {
  readonly values: number[] = [];
  private readonly groups: number[][] = [];

  add(value: number): number {
    this.values.push(value);
    return this.values.length - 1;
  }

  /** The cells whose first ones sum to the last (any of them can be the unknown). */
  link(cells: number[]): void {
    this.groups.push(cells);
  }

  suppress(): Array<number | null> {
    const hidden = this.values.map((value) => value > 0 && value < SUPPRESSION_THRESHOLD);
    for (let changed = true; changed; ) {
      changed = false;
      for (const group of this.groups) {
        if (group.filter((cell) => hidden[cell]).length !== 1) continue;
        let smallest = -1;
        for (const cell of group) if (!hidden[cell] && this.values[cell]! > 0 && (smallest < 0 || this.values[cell]! < this.values[smallest]!)) smallest = cell;
        if (smallest >= 0) {
          hidden[smallest] = true;
          changed = true;
        }
      }
    }
    return this.values.map((value, cell) => (hidden[cell] ? null : value));
  }
}

const rate = (part: number | null, whole: number | null): number | null => (part === null || whole === null || whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

// ---------------------------------------------------------------------------------------------
// Reading

const TEST_TYPES = [
  ['antigen', 'test antigénique'],
  ['supervised-self-test', 'autotest supervisé'],
  ['rt-pcr', 'RT-PCR'],
] as const;
const CODE_KINDS = [
  ['short', 'courts (6 caractères)'],
  ['long', 'longs (document COVID+)'],
  ['lab', 'longs fournis aux laboratoires'],
] as const;
const DOSES = [
  ['1', 'Vaccinations, 1re dose'],
  ['2', 'Vaccinations, 2e dose'],
  ['3', 'Vaccinations, 3e dose (rappel)'],
  ['4+', 'Vaccinations, 4e dose ou plus'],
] as const;
export const LATE_BUCKETS = [
  ['<1h', 'moins d’une heure'],
  ['1-6h', '1 à 6 heures'],
  ['6-24h', '6 à 24 heures'],
  ['1-3j', '1 à 3 jours'],
  ['>3j', 'plus de 3 jours'],
] as const;
const ROBERT = [
  ['reports_received', 'Signalements reçus (ROBERT, national)'],
  ['alerted', 'Contacts jugés à risque (ROBERT, national)'],
  ['notified', "Notifications d'exposition remises (ROBERT, national)"],
] as const;
const INCIDENT_LABELS: Record<string, string> = { psc: 'Pro Santé Connect indisponible', 'tests-portal': 'Portail des tests indisponible', 'vaccination-portal': 'Portail de vaccination indisponible' };
const METRICS = ['tests', 'vaccinations', 'late', 'codes.issued', 'codes.used', 'codes.expired', 'declarations'];
const DEFAULT_PERIOD_DAYS = 28;

const doseKey = (dimension: string): string => {
  const dose = Number(dimension.split('/')[0]);
  return dose >= 4 ? '4+' : String(dose);
};

interface Period {
  from: IsoDate;
  to: IsoDate;
}

function periodOf(query: StatisticsQuery, today: IsoDate): Period {
  const to = query.to === undefined ? today : parseIsoDate(query.to);
  const from = query.from === undefined ? (to ? addDays(to, -(DEFAULT_PERIOD_DAYS - 1)) : undefined) : parseIsoDate(query.from);
  if (!from || !to) throw new AppError('STATS_PERIOD_INVALID');
  if (from > to) throw new AppError('STATS_PERIOD_INVALID');
  if (daysBetween(from, to) + 1 > MAX_PERIOD_DAYS) throw new AppError('STATS_PERIOD_TOO_LONG', { publicDetails: { maxDays: MAX_PERIOD_DAYS } });
  return { from, to };
}

/** The departments counted: the filter, within the operator's region for a regional operator. */
function departmentsOf(query: StatisticsQuery, scopeRegion: string | null): { list: string[]; all: boolean } {
  const inScope = allDepartments.filter((d) => scopeRegion === null || d.region === scopeRegion);
  if (query.region !== undefined) {
    if (!findRegion(query.region)) throw new AppError('STATS_ZONE_UNKNOWN', { details: { region: query.region } });
    if (scopeRegion !== null && query.region !== scopeRegion) throw new AppError('STATS_OUT_OF_SCOPE');
  }
  const asked = query.departments ? [...new Set(query.departments.split(','))] : [];
  for (const code of asked) {
    const department = allDepartments.find((d) => d.code === code);
    if (!department) throw new AppError('STATS_ZONE_UNKNOWN', { details: { department: code } });
    if (scopeRegion !== null && department.region !== scopeRegion) throw new AppError('STATS_OUT_OF_SCOPE');
  }
  let list = asked.length > 0 ? asked : inScope.map((d) => d.code);
  if (query.region !== undefined) list = list.filter((code) => allDepartments.find((d) => d.code === code)?.region === query.region);
  // National and unfiltered: acts whose department is not known count too.
  const all = scopeRegion === null && asked.length === 0 && query.region === undefined;
  return { list: all ? [...list, ''] : list, all };
}

/**
 * The statistics an operator may see (a regional operator: their region), over a period, for
 * some departments and a profession. Read from the rollup, suppressed, and audited.
 */
export async function readStatistics(deps: StatisticsDeps, ctx: RequestContext, query: StatisticsQuery): Promise<Statistics> {
  const scope = operatorScope(deps, ctx);
  const scopeRegion = scope.kind === 'regional' ? scope.region : null;
  const period = periodOf(query, parisDate(ctx.now));
  const zone = departmentsOf(query, scopeRegion);
  if (query.profession !== undefined && !professionOptions().some((p) => p.code === query.profession)) throw new AppError('STATS_PROFESSION_UNKNOWN');
  const profession = query.profession ?? null;

  const filter = { fromDay: period.from, toDay: period.to, departments: zone.all ? null : zone.list, profession };
  const [rows, robertRows, departmentTotals, incidents, state] = await Promise.all([
    repo.readDailyFigures(deps.db, { ...filter, metrics: METRICS }),
    repo.readDailyFigures(deps.db, { ...filter, metrics: ROBERT.map(([name]) => `robert.${name}`), departments: null, profession: null }),
    repo.readDepartmentTotals(deps.db, filter),
    repo.readIncidents(deps.db, parisDayStart(period.from), parisDayStart(addDays(period.to, 1))),
    repo.readState(deps.db),
  ]);
  const days: IsoDate[] = [];
  for (let day = period.from; day <= period.to; day = addDays(day, 1)) days.push(day);
  const dayIndex = new Map(days.map((day, i) => [day, i]));

  // Sums by series key and day.
  const daily = new Map<string, number[]>();
  const add = (key: string, day: string, count: number) => {
    const index = dayIndex.get(day);
    if (index === undefined) return;
    let values = daily.get(key);
    if (!values) daily.set(key, (values = days.map(() => 0)));
    values[index]! += count;
  };
  const products = new Map<string, number>();
  const late = new Map<string, { tests: number; vaccinations: number }>(LATE_BUCKETS.map(([bucket]) => [bucket, { tests: 0, vaccinations: 0 }]));

  for (const row of rows) {
    switch (row.metric) {
      case 'tests': {
        const [type, result] = row.dimension.split('/');
        add(`tests.${type}`, row.day, row.count);
        if (result === 'detected') add(`positives.${type}`, row.day, row.count);
        break;
      }
      case 'vaccinations': {
        add(`vaccinations.dose${doseKey(row.dimension)}`, row.day, row.count);
        const product = row.dimension.slice(row.dimension.indexOf('/') + 1);
        products.set(product, (products.get(product) ?? 0) + row.count);
        break;
      }
      case 'late': {
        const [kind, bucket] = row.dimension.split('/') as ['tests' | 'vaccinations', string];
        add(`late.${bucket}`, row.day, row.count);
        const entry = late.get(bucket);
        if (entry) entry[kind] += row.count;
        break;
      }
      case 'declarations':
        add('declarations', row.day, row.count);
        break;
      default:
        // codes.issued / codes.used / codes.expired, by kind
        add(`${row.metric}.${row.dimension}`, row.day, row.count);
    }
  }
  for (const row of robertRows) add(row.metric, row.day, row.count);

  const raw = (key: string) => daily.get(key) ?? days.map(() => 0);

  // Every published count is a cell; every published sum ties its cells into a group (the day's
  // parts and their total, the days and the period's total, the departments and the total
  // line, the products, the delays). Suppression runs over all of them at once.
  const model = new LinkedCells();
  const series: Array<{ key: string; group: StatisticsSeries['group']; label: string; national: boolean; cells: number[] }> = [];
  /** Parts by day with their daily total; the period total is the returned cell. */
  const addGroup = (group: StatisticsSeries['group'], parts: ReadonlyArray<readonly [string, string]>, total: readonly [string, string]) => {
    const partCells = parts.map(([key]) => raw(key).map((value) => model.add(value)));
    const totalCells = days.map((_, d) => {
      const cell = model.add(partCells.reduce((sum, cells) => sum + model.values[cells[d]!]!, 0));
      model.link([...partCells.map((cells) => cells[d]!), cell]);
      return cell;
    });
    const period = model.add(totalCells.reduce((sum, cell) => sum + model.values[cell]!, 0));
    model.link([...totalCells, period]);
    series.push({ key: total[0], group, label: total[1], national: false, cells: totalCells });
    parts.forEach(([key, label], p) => series.push({ key, group, label, national: false, cells: partCells[p]! }));
    return { period, partCells, totalCells };
  };

  const codeTotals = Object.fromEntries(
    (['issued', 'used', 'expired'] as const).map((metric) => {
      const verb = { issued: 'émis', used: 'utilisés', expired: 'expirés sans usage' }[metric];
      return [metric, addGroup('codes', CODE_KINDS.map(([kind, label]) => [`codes.${metric}.${kind}`, `Codes ${label} ${verb}`] as const), [`codes.${metric}.all`, `Codes ${verb}`])];
    }),
  ) as Record<'issued' | 'used' | 'expired', ReturnType<typeof addGroup>>;
  const declarationCells = raw('declarations').map((value) => model.add(value));
  const declarationPeriod = model.add(raw('declarations').reduce((a, b) => a + b, 0));
  model.link([...declarationCells, declarationPeriod]);
  series.push({ key: 'declarations', group: 'declarations', label: 'Déclarations dans l’application', national: false, cells: declarationCells });
  for (const [name, label] of ROBERT) series.push({ key: `robert.${name}`, group: 'robert', label, national: true, cells: raw(`robert.${name}`).map((value) => model.add(value)) });
  const tests = addGroup('tests', TEST_TYPES.map(([type, label]) => [`tests.${type}`, `Tests, ${label}`] as const), ['tests.all', 'Tests, tous types']);
  const positives = addGroup('tests', TEST_TYPES.map(([type, label]) => [`positives.${type}`, `Tests positifs, ${label}`] as const), ['positives.all', 'Tests positifs, tous types']);
  const vaccinations = addGroup('vaccinations', DOSES.map(([dose, label]) => [`vaccinations.dose${dose}`, label] as const), ['vaccinations.all', 'Vaccinations, toutes doses']);
  const lateGroup = addGroup('late', LATE_BUCKETS.map(([bucket, label]) => [`late.${bucket}`, `Actes saisis en différé, ${label}`] as const), ['late.all', 'Actes saisis en différé']);

  // Delays over the period: tests and vaccinations per bucket, which is the bucket's days summed.
  const lateEntries = LATE_BUCKETS.map(([bucket, label], k) => {
    const entry = late.get(bucket)!;
    const testsCell = model.add(entry.tests);
    const vaccinationsCell = model.add(entry.vaccinations);
    const bucketCell = model.add(entry.tests + entry.vaccinations);
    model.link([testsCell, vaccinationsCell, bucketCell]);
    model.link([...lateGroup.partCells[k]!, bucketCell]);
    return { bucket, label, testsCell, vaccinationsCell, bucketCell };
  });
  model.link([...lateEntries.map((e) => e.bucketCell), lateGroup.period]);
  model.link([...lateEntries.flatMap((e) => [e.testsCell, e.vaccinationsCell]), lateGroup.period]);

  // Products over the period: their total is the vaccinations' period total.
  const productEntries = [...products].sort((a, b) => b[1] - a[1]).map(([product, count]) => ({ product, cell: model.add(count) }));
  if (productEntries.length > 0) model.link([...productEntries.map((e) => e.cell), vaccinations.period]);

  // The table by department, its total line being the period totals above.
  // The unknown department has a line only when something counts under it.
  const none = { tests: 0, positives: 0, vaccinations: 0, codesIssued: 0, codesUsed: 0, declarations: 0, lateActs: 0 };
  const lines = zone.list.filter((code) => code !== '' || departmentTotals.has('')).map((code) => ({ code, raw: departmentTotals.get(code) ?? none }));
  const columns = repo.DEPARTMENT_COLUMNS;
  const totalCell: Record<(typeof columns)[number], number> = {
    tests: tests.period,
    positives: positives.period,
    vaccinations: vaccinations.period,
    codesIssued: codeTotals.issued.period,
    codesUsed: codeTotals.used.period,
    declarations: declarationPeriod,
    lateActs: lateGroup.period,
  };
  const lineCells = lines.map((line) => Object.fromEntries(columns.map((column) => [column, model.add(line.raw[column])])) as Record<(typeof columns)[number], number>);
  for (const column of columns) model.link([...lineCells.map((cells) => cells[column]), totalCell[column]]);

  const shown = model.suppress();
  const at = (cell: number) => shown[cell]!;
  const out: StatisticsSeries[] = series.map((s) => ({ key: s.key, group: s.group, label: s.label, unit: 'count', national: s.national, values: s.cells.map(at) }));
  out.splice(
    out.findIndex((s) => s.key === 'vaccinations.all'),
    0,
    { key: 'positivity', group: 'tests', label: 'Taux de positivité (%)', unit: 'percent', national: false, values: days.map((_, d) => rate(at(positives.totalCells[d]!), at(tests.totalCells[d]!))) },
  );
  const figuresOf = (cells: Record<(typeof columns)[number], number>) => {
    const figures = Object.fromEntries(columns.map((column) => [column, at(cells[column])])) as Record<(typeof columns)[number], number | null>;
    return { ...figures, positivity: rate(figures.positives, figures.tests) };
  };
  const table: DepartmentFigures[] = lines.map((line, i) => ({ code: line.code, name: line.code === '' ? 'Département inconnu' : departmentLabel(line.code), ...figuresOf(lineCells[i]!) }));
  table.push({ code: 'total', name: 'Total', ...figuresOf(totalCell) });

  await recordAudit(deps.db, ctx, {
    action: 'statistics.read',
    outcome: 'success',
    targetType: 'statistics',
    details: { from: period.from, to: period.to, departments: zone.all ? 'all' : zone.list.join(','), profession },
  });

  return {
    scope: { kind: scope.kind, region: scopeRegion, regionName: scopeRegion ? (findRegion(scopeRegion)?.name ?? scopeRegion) : null },
    from: period.from,
    to: period.to,
    departments: zone.list.filter((code) => code !== ''),
    profession,
    threshold: SUPPRESSION_THRESHOLD,
    refreshedAt: state?.at.toISOString() ?? null,
    days,
    series: out,
    byDepartment: table,
    vaccinationsByProduct: productEntries.map((e) => ({ product: e.product, label: findVaccineProduct(e.product)?.name ?? e.product, count: at(e.cell) })),
    lateDelays: lateEntries.map((e) => ({ bucket: e.bucket, label: e.label, tests: at(e.testsCell), vaccinations: at(e.vaccinationsCell) })),
    incidents: incidents.map((incident) => ({
      id: incident.id,
      component: incident.component,
      label: INCIDENT_LABELS[incident.component] ?? incident.component,
      startedAt: incident.started_at.toISOString(),
      endedAt: incident.ended_at?.toISOString() ?? null,
    })),
    options: {
      regions: allRegions.filter((r) => scopeRegion === null || r.code === scopeRegion).map((r) => ({ code: r.code, name: r.name })),
      departments: allDepartments.filter((d) => scopeRegion === null || d.region === scopeRegion).map((d) => ({ code: d.code, name: d.name, region: d.region })),
      professions: professionOptions(),
    },
  };
}

/** The professions whose acts or codes the statistics count. */
function professionOptions() {
  const codes = [...new Set(Object.values(defaultPolicy).flat())].sort();
  return codes.map((code) => ({ code, label: professionLabel(code) }));
}

// ---------------------------------------------------------------------------------------------
// KPIs for machines (an operator's API key), in submission-code-server's shape

/**
 * Codes generated, used and expired without use, per kind and per day over [fromDate, toDate],
 * national or the key's region; counts from 1 to 10 suppressed (null). Audited.
 */
export async function readCodeKpis(deps: Pick<StatisticsDeps, 'db'>, ctx: RequestContext, key: OperatorKeyScope, query: Static<typeof KpiQuery>): Promise<Array<Static<typeof CodeKpi>>> {
  const period = periodOf({ from: query.fromDate, to: query.toDate }, parisDate(ctx.now));
  const departments = key.region === null ? null : allDepartments.filter((d) => d.region === key.region).map((d) => d.code);
  const rows = await repo.readDailyFigures(deps.db, { metrics: ['codes.issued', 'codes.used', 'codes.expired'], fromDay: period.from, toDay: period.to, departments, profession: null });
  const sums = new Map<string, number>();
  for (const row of rows) sums.set(`${row.day}/${row.metric}/${row.dimension}`, (sums.get(`${row.day}/${row.metric}/${row.dimension}`) ?? 0) + row.count);
  const kpis: Array<Static<typeof CodeKpi>> = [];
  for (let day = period.from; day <= period.to; day = addDays(day, 1)) {
    // submission-code-server's long codes were the laboratories': both kinds count as long here.
    const count = (metric: string, kind: string) =>
      suppress((sums.get(`${day}/${metric}/${kind}`) ?? 0) + (kind === 'long' ? (sums.get(`${day}/${metric}/lab`) ?? 0) : 0));
    kpis.push({
      date: day,
      nbShortCodesGenerated: count('codes.issued', 'short'),
      nbLongCodesGenerated: count('codes.issued', 'long'),
      nbShortCodesUsed: count('codes.used', 'short'),
      nbLongCodesUsed: count('codes.used', 'long'),
      nbShortExpiredCodes: count('codes.expired', 'short'),
      nbLongExpiredCodes: count('codes.expired', 'long'),
    });
  }
  await recordAudit(deps.db, ctx, { action: 'statistics.kpi_read', outcome: 'success', targetType: 'operator_api_key', targetId: key.keyId, details: { from: period.from, to: period.to } });
  return kpis;
}
