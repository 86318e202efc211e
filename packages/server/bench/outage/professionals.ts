/**
 * The simulated professionals: their sandbox accounts, their PSC sessions, and each one's
 * in-memory outbox with the portal's own sender, recording acts at random times.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Patient, RecordTestBody, RecordVaccinationBody } from '@prostopcovid/contracts/acts';
import { generateRetrievalCode, OutboxSender, type ActKind, type OutboxEntry, type OutboxStore, type Transport } from '@prostopcovid/continuity';
import type { SandboxProfessional } from '@prostopcovid/psc-sandbox';
import { parisDate } from '../../src/platform/dates.js';
import { signIn, type Session } from '../shared.js';
import { ACT_INTERVAL_S, POLICY, SPACING_MS, type Variant } from './settings.js';

/** Pharmacists (21) and nurses (60), who may record both tests and vaccinations, in an RPPS-like range nobody real uses. */
export function simulatedProfessionals(count: number): SandboxProfessional[] {
  return Array.from({ length: count }, (_, i) => {
    const pharmacist = i % 2 === 0;
    const n = String(i + 1).padStart(7, '0');
    return {
      idNatPs: `89981${n}`,
      givenName: 'Simulation',
      familyName: `SIM-${pharmacist ? 'PHARMACIEN' : 'INFIRMIER'}-${i + 1}`,
      label: pharmacist ? "Pharmacien d'officine (simulation)" : 'Infirmier (simulation)',
      exercices: [
        {
          codeProfession: pharmacist ? '21' : '60',
          codeCategorieProfessionnelle: 'C',
          activities: [{ raisonSocialeSite: pharmacist ? 'Pharmacie de simulation' : 'Cabinet infirmier de simulation', identifiantTechniqueDeLaStructure: `R9981${n}` }],
        },
      ],
    };
  });
}

let patients = 0;

/** 1 → "A", 26 → "Z", 27 → "AA": a distinct name per patient, letters only (names refuse digits). */
function letters(n: number): string {
  let out = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

/** A test (60 %) or a vaccination, as the portal's forms put it in the outbox. */
export function newAct(place: string): OutboxEntry {
  const now = new Date();
  const capturedAt = now.toISOString();
  const patient: Patient = {
    familyName: `SIMULATION-${letters(++patients)}`,
    givenName: 'Camille',
    birthDate: `${1940 + randomInt(65)}-0${1 + randomInt(9)}-1${randomInt(10)}`,
    sex: (['F', 'M', 'U'] as const)[randomInt(3)]!,
  };
  const kind: ActKind = Math.random() < 0.6 ? 'test' : 'vaccination';
  const body: RecordTestBody | RecordVaccinationBody =
    kind === 'test'
      ? {
          retrievalCode: generateRetrievalCode(),
          capturedAt,
          patient,
          testType: 'antigen',
          sampledAt: new Date(now.getTime() - 60_000).toISOString(),
          result: Math.random() < 0.1 ? 'detected' : 'not-detected',
          deviceId: '1232',
          place,
        }
      : {
          retrievalCode: generateRetrievalCode(),
          capturedAt,
          patient,
          product: 'EU/1/20/1528',
          doseNumber: 1 + randomInt(2),
          seriesTotal: 2,
          vaccinatedOn: parisDate(now),
          lotNumber: `FK${1000 + randomInt(9000)}`,
          place,
        };
  return { key: randomUUID(), kind, body, capturedAt, status: 'pending', attempts: 0 };
}

export async function signInAll(baseUrl: string, ids: string[], concurrency = 4): Promise<Session[]> {
  const sessions = new Array<Session>(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const i = next++;
        sessions[i] = await signIn(baseUrl, ids[i]!);
      }
    }),
  );
  return sessions;
}

export interface ClientAct {
  variant: Variant;
  idNatPs: string;
  key: string;
  kind: ActKind;
  capturedAt: number;
  sentAt?: number;
}

export class Professional {
  readonly entries = new Map<string, OutboxEntry>();
  readonly sender: OutboxSender;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly session: Session,
    private readonly place: string,
    private readonly variant: Variant,
    private readonly acts: Map<string, ClientAct>,
    transport: Transport,
  ) {
    const store: OutboxStore = {
      all: async () => [...this.entries.values()],
      put: async (entry) => {
        this.entries.set(entry.key, entry);
        const act = this.acts.get(entry.key);
        if (act && entry.status === 'sent' && act.sentAt === undefined) act.sentAt = performance.now();
      },
    };
    this.sender = new OutboxSender({
      store,
      transport,
      policy: POLICY,
      spacingMs: SPACING_MS,
      // Without jitter every wait is the whole capped exponential window.
      random: variant === 'no-jitter' ? () => 1 : Math.random,
    });
  }

  startRecording(): void {
    const next = () => {
      // Exponential intervals: independent professionals, a Poisson stream of acts overall.
      this.timer = setTimeout(() => {
        void this.record();
        next();
      }, -Math.log(1 - Math.random()) * ACT_INTERVAL_S * 1000);
    };
    next();
  }

  stopRecording(): void {
    clearTimeout(this.timer);
  }

  /** What the portal's saveAct does: save locally first, then submit it to the sender. */
  private async record(): Promise<void> {
    const entry = newAct(this.place);
    this.acts.set(entry.key, { variant: this.variant, idNatPs: this.session.idNatPs, key: entry.key, kind: entry.kind, capturedAt: performance.now() });
    this.entries.set(entry.key, entry);
    await this.sender.submit();
  }

  pending(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.status === 'pending') n++;
    return n;
  }
}
