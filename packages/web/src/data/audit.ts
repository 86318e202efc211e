import { AUDIT_EXPORT_MAX, AUDIT_PAGE_MAX, AuditPage, AuditQuery, type AuditEntry } from '@prostopcovid/contracts/audit';
import { apiGetFile, apiRequest } from './api';

export { AUDIT_EXPORT_MAX, AUDIT_PAGE_MAX, type AuditEntry, type AuditPage };

/**
 * The audit log's search for operators (GET /api/audit, GET /api/audit.csv), read online: nothing
 * is kept on the device. The page's address carries the filters under the API's own names
 * (`/journal?actor=899700100009&action=tests.*&from=2026-03-01T09:00:00+01:00&limit=50&before=…`),
 * so that a search can be shared, bookmarked, reloaded and walked back page by page; the period's
 * bounds are instants written with the Paris offset, as the form's date-time fields (Paris time)
 * give them.
 */
export interface AuditFilters {
  actor?: string;
  action?: string;
  outcome?: AuditOutcome;
  targetType?: string;
  targetId?: string;
  /** RFC 3339 instants: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  /** Entries per page, 1 to 500 (the server's default 100 when left out). */
  limit?: number;
  /** The `next` of the previous page: the entries older than it (keyset pagination). */
  before?: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';
export const OUTCOMES: ReadonlyArray<{ value: AuditOutcome; label: string }> = [
  { value: 'success', label: 'Réussite' },
  { value: 'failure', label: 'Échec' },
  { value: 'denied', label: 'Refus' },
];

export const DEFAULT_PAGE_SIZE = 100;
export const PAGE_SIZES = [10, 25, 50, 100, 200, AUDIT_PAGE_MAX] as const;

// The query's formats, from the API's own schema (one definition). An optional property's type
// does not show its string keywords, which are there.
const keywords = (schema: object) => schema as { pattern?: string; maxLength?: number };
const pattern = (schema: object) => new RegExp(keywords(schema).pattern ?? '.*');
export const ID_NAT_PS = pattern(AuditQuery.properties.actor);
const ACTION = pattern(AuditQuery.properties.action);
const TARGET_TYPE = pattern(AuditQuery.properties.targetType);
const TARGET_ID = pattern(AuditQuery.properties.targetId);
const CURSOR = pattern(AuditQuery.properties.before);
const ACTION_MAX_LENGTH = keywords(AuditQuery.properties.action).maxLength ?? 80;

const FILTER_NAMES = ['actor', 'action', 'outcome', 'targetType', 'targetId', 'from', 'to', 'limit', 'before'] as const;
type FilterName = (typeof FILTER_NAMES)[number];

/** The filters an address names (empty values left out; malformed ones kept, for validateFilters to say what is wrong). */
export function filtersFromSearch(search: string | URLSearchParams): AuditFilters {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const value = (name: FilterName) => params.get(name)?.trim() || undefined;
  const outcome = value('outcome');
  const limit = value('limit');
  return {
    actor: value('actor')?.replace(/\s+/g, ''),
    action: value('action'),
    outcome: outcome as AuditOutcome | undefined,
    targetType: value('targetType'),
    targetId: value('targetId'),
    from: value('from'),
    to: value('to'),
    limit: limit === undefined ? undefined : /^\d{1,4}$/.test(limit) ? Number(limit) : Number.NaN,
    before: value('before'),
  };
}

/** The query string of the filters, in one order (the same search is the same address), without `?`. */
export function filtersToSearch(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const value = filters[name];
    if (value !== undefined && value !== '' && !(typeof value === 'number' && Number.isNaN(value))) params.set(name, String(value));
  }
  // Times stay readable in the address bar: "09:00:00+01:00", not "09%3A00%3A00%2B01%3A00" (a "+" must stay escaped).
  return params.toString().replace(/%3A/gi, ':');
}

/** The same filters on the first page (no cursor). */
export function firstPage(filters: AuditFilters): AuditFilters {
  const { before: _before, ...rest } = filters;
  return rest;
}

export type FilterErrors = Partial<Record<'actor' | 'action' | 'outcome' | 'targetType' | 'targetId' | 'from' | 'to' | 'limit' | 'before', string>>;

export const ID_NAT_PS_HINT = '8 suivi des 11 chiffres du RPPS, ou 0 suivi des 9 chiffres ADELI (12 ou 10 chiffres)';

/** What the server would refuse, said in French before anything is sent. */
export function validateFilters(filters: AuditFilters): FilterErrors {
  const errors: FilterErrors = {};
  if (filters.actor !== undefined && !ID_NAT_PS.test(filters.actor)) errors.actor = `IdNat_PS invalide : ${ID_NAT_PS_HINT}.`;
  if (filters.action !== undefined && (filters.action.length > ACTION_MAX_LENGTH || !ACTION.test(filters.action))) {
    errors.action = 'Action invalide : lettres minuscules et points, par exemple « tests.record », ou une famille terminée par « .* » (« tests.* »).';
  }
  if (filters.outcome !== undefined && !OUTCOMES.some((o) => o.value === filters.outcome)) errors.outcome = 'Résultat inconnu : réussite, échec ou refus.';
  if (filters.targetType !== undefined && !TARGET_TYPE.test(filters.targetType)) errors.targetType = 'Type de cible invalide : lettres minuscules et « _ », 40 caractères au plus (par exemple « test_result »).';
  if (filters.targetId !== undefined && !TARGET_ID.test(filters.targetId)) errors.targetId = 'Identifiant de cible invalide : lettres, chiffres, « _ », « : », « . » ou « - », 100 caractères au plus.';
  const from = filters.from === undefined ? null : instantMs(filters.from);
  const to = filters.to === undefined ? null : instantMs(filters.to);
  if (from !== null && Number.isNaN(from)) errors.from = 'Date et heure de début invalides.';
  if (to !== null && Number.isNaN(to)) errors.to = 'Date et heure de fin invalides.';
  if (from !== null && to !== null && !Number.isNaN(from) && !Number.isNaN(to) && from >= to) errors.to = 'La fin de la période doit suivre son début.';
  if (filters.limit !== undefined && !(Number.isInteger(filters.limit) && filters.limit >= 1 && filters.limit <= AUDIT_PAGE_MAX)) errors.limit = `Nombre de lignes par page : de 1 à ${AUDIT_PAGE_MAX}.`;
  if (filters.before !== undefined && !CURSOR.test(filters.before)) errors.before = 'Position de page invalide : revenez à la première page.';
  return errors;
}

/** An RFC 3339 instant as milliseconds (NaN when it is not one). */
function instantMs(value: string): number {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) ? Date.parse(value) : Number.NaN;
}

export function searchAudit(filters: AuditFilters): Promise<AuditPage> {
  const search = filtersToSearch(filters);
  return apiRequest(AuditPage, 'GET', `/api/audit${search ? `?${search}` : ''}`);
}

/** The CSV export's address: the same filters, every page (no cursor, no page size). */
export function auditCsvPath(filters: AuditFilters): string {
  const { limit: _limit, ...rest } = firstPage(filters);
  const search = filtersToSearch(rest);
  return `/api/audit.csv${search ? `?${search}` : ''}`;
}

export interface AuditExport {
  blob: Blob;
  filename: string;
  /** How many entries the file holds, and whether it stopped at AUDIT_EXPORT_MAX (headers X-Audit-Lines, X-Audit-Truncated). */
  lines: number | null;
  truncated: boolean;
}

export async function exportAudit(filters: AuditFilters): Promise<AuditExport> {
  const { blob, headers } = await apiGetFile(auditCsvPath(filters), 'text/csv');
  const lines = Number(headers.get('x-audit-lines'));
  const filename = /filename="([^"]+)"/.exec(headers.get('content-disposition') ?? '')?.[1] ?? 'journal-audit.csv';
  return { blob, filename, lines: headers.has('x-audit-lines') && Number.isInteger(lines) ? lines : null, truncated: headers.get('x-audit-truncated') === 'true' };
}

// ---------------------------------------------------------------------------------------------
// Paris time: the form's date-time fields and the table show it, whatever the device's zone.

const PARIS = 'Europe/Paris';
const wallClockFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: PARIS,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** The Paris wall clock of an instant, as `YYYY-MM-DDTHH:mm:ss`. */
function parisWallClock(ms: number): string {
  const parts = Object.fromEntries(wallClockFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Paris's offset from UTC at an instant, in minutes (60 in winter, 120 in summer). */
function parisOffset(ms: number): number {
  const wall = parisWallClock(ms);
  return Math.round((Date.parse(`${wall}Z`) - Math.floor(ms / 1000) * 1000) / 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');
const offsetText = (minutes: number) => `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;

/**
 * A Paris wall-clock time (`YYYY-MM-DDTHH:mm`, what `<input type="datetime-local">` gives) as an
 * RFC 3339 instant with its Paris offset: `2026-03-01T09:00:00+01:00`. A time the clocks skip (the
 * last Sunday of March, 02:00 to 03:00) is read with the winter offset, a time they repeat (in
 * October) as its first occurrence. Null when it is not such a time.
 */
export function parisInstant(local: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!match) return null;
  const [, y, mo, d, h, mi, s = '00'] = match;
  const wall = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  const asUtc = Date.parse(`${wall}Z`);
  if (Number.isNaN(asUtc) || new Date(asUtc).toISOString().slice(0, 19) !== wall) return null;
  // The offsets in force half a day either side: the one whose wall clock gives this time back.
  const candidates = [...new Set([parisOffset(asUtc - 43_200_000), parisOffset(asUtc + 43_200_000)])].sort((a, b) => b - a);
  const offset = candidates.find((minutes) => parisWallClock(asUtc - minutes * 60_000) === wall) ?? Math.min(...candidates);
  return `${wall}${offsetText(offset)}`;
}

/** An instant as the Paris wall-clock time a `datetime-local` field shows (`YYYY-MM-DDTHH:mm`); '' when it is not an instant. */
export function parisLocalDateTime(instant: string): string {
  const ms = instantMs(instant);
  return Number.isNaN(ms) ? '' : parisWallClock(ms).slice(0, 16);
}

const displayFormat = new Intl.DateTimeFormat('fr-FR', { timeZone: PARIS, dateStyle: 'short', timeStyle: 'medium' });

/** "10/03/2026 09:15:02", Paris time. */
export function formatParisTime(instant: string): string {
  return displayFormat.format(new Date(instant));
}

/** A date-time filter in words, Paris time: "10/03/2026 09:00". */
export function formatParisMinute(instant: string): string {
  return displayFormat.format(new Date(instant)).slice(0, -3);
}
