import { Statistics, SUPPRESSION_THRESHOLD, type DepartmentFigures, type StatisticsSeries } from '@prostopcovid/contracts/statistics';
import { apiRequest } from './api';

export { SUPPRESSION_THRESHOLD, type DepartmentFigures, type Statistics, type StatisticsSeries };

/**
 * Statistics for authorities (docs/domain.md §8), read by operators online: nothing is kept on
 * the device. The page's address carries the filters under the API's own names
 * (`/statistiques?from=…&to=…&region=…&departments=33,40&profession=21`), so that a view can be
 * shared, bookmarked and reloaded; a filter left out is the server's default (the last 28 days,
 * all of the operator's zone, every profession).
 */
export interface StatisticsFilters {
  from?: string;
  to?: string;
  region?: string;
  departments: string[];
  profession?: string;
}

/** The filters an address names (empty values are left out; anything else goes to the server, which says what is wrong). */
export function filtersFromSearch(search: string | URLSearchParams): StatisticsFilters {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const value = (name: 'from' | 'to' | 'region' | 'departments' | 'profession') => params.get(name)?.trim() || undefined;
  const departments = [...new Set((value('departments') ?? '').split(',').map((code) => code.trim().toUpperCase()).filter(Boolean))];
  return { from: value('from'), to: value('to'), region: value('region'), departments, profession: value('profession') };
}

/** The query string of the filters, in one order (the same view is the same address): `from=…&to=…`, without `?`. */
export function filtersToSearch(filters: StatisticsFilters): string {
  const params = new URLSearchParams();
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.region) params.set('region', filters.region);
  if (filters.departments.length > 0) params.set('departments', filters.departments.join(','));
  if (filters.profession) params.set('profession', filters.profession);
  // Department lists stay readable in the address bar: "33,40", not "33%2C40".
  return params.toString().replace(/%2C/g, ',');
}

export function loadStatistics(filters: StatisticsFilters): Promise<Statistics> {
  const search = filtersToSearch(filters);
  return apiRequest(Statistics, 'GET', `/api/statistics${search ? `?${search}` : ''}`);
}

// ---------------------------------------------------------------------------------------------
// Calendar days (Paris), as the server counts them

const parisFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The Paris calendar day (YYYY-MM-DD) of an instant. */
export function parisDay(instant: Date | string): string {
  return parisFormat.format(typeof instant === 'string' ? new Date(instant) : instant);
}

/** `day` plus `days` calendar days (negative: before). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The quick choices of period: the last 7, 28 (the default) or 90 days, today included. */
export const QUICK_PERIODS = [7, 28, 90] as const;
export const DEFAULT_PERIOD_DAYS = 28;

export function lastDays(days: number, today: string): { from: string; to: string } {
  return { from: addDays(today, -(days - 1)), to: today };
}
