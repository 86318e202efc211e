import { Type, type Static } from 'typebox';
import { PLAIN_TEXT_MAX_LENGTH } from '@prostopcovid/contracts/common';
import { CreatedOperatorKey, OperatorKey, OperatorKeyList } from '@prostopcovid/contracts/statistics';
import { apiRequest } from './api';

/**
 * Operators' API keys (GET/POST /api/admin/api-keys, DELETE /api/admin/api-keys/:keyId): keys for
 * machines reading the KPIs (GET /api/kpi/v1/codes with `Authorization: Bearer opk_…`), with the
 * scope of the operator who creates them. A new key's secret comes once, in the answer to its
 * creation: it is shown and never stored on the device (not in IndexedDB, not in localStorage).
 */
export type OperatorKey = Static<typeof OperatorKey>;
export type CreatedOperatorKey = Static<typeof CreatedOperatorKey>;

export const KEY_LABEL_MAX_LENGTH = PLAIN_TEXT_MAX_LENGTH;
/** The path machines read with a key. */
export const KPI_CODES_PATH = '/api/kpi/v1/codes';

export async function listOperatorKeys(): Promise<OperatorKey[]> {
  return (await apiRequest(OperatorKeyList, 'GET', '/api/admin/api-keys')).keys;
}

export function createOperatorKey(label: string): Promise<CreatedOperatorKey> {
  return apiRequest(CreatedOperatorKey, 'POST', '/api/admin/api-keys', { label: label.trim() });
}

export async function revokeOperatorKey(id: string): Promise<void> {
  await apiRequest(Type.Undefined(), 'DELETE', `/api/admin/api-keys/${encodeURIComponent(id)}`);
}

/** The example a machine's owner copies: the last 7 days' KPIs of codes, the key in a variable rather than in the command. */
export function kpiCurlExample(origin: string, fromDate: string, toDate: string): string {
  return [`export CLE_API='opk_…'  # la clé affichée à sa création`, `curl -H "Authorization: Bearer $CLE_API" \\`, `  "${origin}${KPI_CODES_PATH}?fromDate=${fromDate}&toDate=${toDate}"`].join('\n');
}
