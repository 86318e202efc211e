import { PROVISIONAL_TEST_COMPONENTS } from '@prostopcovid/continuity';
import type { ActEntry } from './outbox';

/**
 * When to hand the patient a provisional document (docs/domain.md, Continuity): an attestation for a test,
 * an information note for a vaccination. Only while the act waits on this device (the patient
 * has nothing else yet), or when a declared incident covers the act: a verifier accepts an
 * attestation only for a test made inside a `psc` or `tests-portal` incident
 * (continuity `verifyProvisionalTest`), and an information note answers the same outage of
 * PSC or of the vaccination portal. Otherwise the act is on the server and the patient gets
 * the real certificate with the retrieval code: a provisional document would only mislead.
 */
export type DocumentOffer = { offered: true; because: 'waiting' | 'incident' } | { offered: false };

/** The fields of an incident this rule reads (the banner's list, kept offline). */
export interface IncidentSpan {
  component: string;
  startedAt: string;
  endedAt: string | null;
}

/** The incidents that stop each kind of act: PSC down stops both, each portal only its own (docs/domain.md, Continuity). */
export const RELAXING_COMPONENTS: Record<ActEntry['kind'], readonly string[]> = {
  test: PROVISIONAL_TEST_COMPONENTS,
  vaccination: ['psc', 'vaccination-portal'],
};

/** The verifier's allowance for the professional's clock being a little ahead. */
const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** The act's time span: the sampling instant of a test, the whole (local) day of a vaccination. */
function actSpan(entry: ActEntry): { from: number; to: number } {
  if (entry.kind === 'test') {
    const at = Date.parse(entry.body.sampledAt);
    return { from: at, to: at };
  }
  const [year, month, day] = entry.body.vaccinatedOn.split('-').map(Number) as [number, number, number];
  const from = new Date(year, month - 1, day).getTime();
  return { from, to: from + DAY_MS - 1 };
}

export function provisionalDocumentOffer(entry: ActEntry, incidents: readonly IncidentSpan[], now: Date): DocumentOffer {
  if (entry.status !== 'sent') return { offered: true, because: 'waiting' };
  const span = actSpan(entry);
  const covered = incidents.some((incident) => {
    if (!RELAXING_COMPONENTS[entry.kind].includes(incident.component)) return false;
    const start = Date.parse(incident.startedAt);
    const end = incident.endedAt === null ? now.getTime() + CLOCK_SKEW_MS : Date.parse(incident.endedAt);
    return span.from <= end && span.to >= start;
  });
  return covered ? { offered: true, because: 'incident' } : { offered: false };
}
