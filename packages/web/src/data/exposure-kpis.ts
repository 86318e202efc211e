import { RobertKpis } from '@prostopcovid/contracts/robert';
import { apiRequest } from './api';

export type { RobertKpis };

/** ROBERT key figures over a period of days (Europe/Paris, inclusive); no bound: since the start. */
export function loadExposureKpis(period: { from?: string; to?: string }): Promise<RobertKpis> {
  const query = new URLSearchParams(Object.entries(period).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const suffix = query.size > 0 ? `?${query.toString()}` : '';
  return apiRequest(RobertKpis, 'GET', `/api/robert/kpis${suffix}`);
}
