import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { CONTACT_HISTORY_DAYS, COUNTRY_CODE_FRANCE, EPOCHS_PER_DAY, HELLO_TIME_TOLERANCE_SECONDS, NOTIFICATION_WINDOW_DAYS } from '@prostopcovid/contracts/robert';
import type { Clock } from '../../platform/clock.js';
import { parisDate } from '../../platform/dates.js';
import { serializeError } from '../../platform/logger.js';
import { decodeReport, type QueuedContact, type QueuedHello } from './report-payload.js';
import { decryptEbid, eccMasks, helloMac, macEquals, type SharedKeys } from './robert-crypto.js';
import { openKeys, type RobertDeps } from './robert.service.js';
import * as repo from './robert.repository.js';
import { aggregateRisk, isAtRisk, scoreContact } from './scoring.js';

/** Why a HELLO was not counted (KPI names: dropped_<reason>). */
export type DropReason = 'country' | 'ebid' | 'unknown_ida' | 'mac' | 'time' | 'epoch' | 'duplicate' | 'overrun';

export interface ReportOutcome {
  hellos: number;
  valid: number;
  dropped: Partial<Record<DropReason, number>>;
  exposedUsers: number;
  alertedUsers: number;
}

/** A report that failed this often stays aside (counted, kept for an operator) instead of blocking the queue. */
const MAX_ATTEMPTS = 5;

class ReportFailure extends Error {
  constructor(
    readonly reportId: string,
    cause: unknown,
  ) {
    super('report processing failed', { cause });
  }
}

const HISTORY_EPOCHS = CONTACT_HISTORY_DAYS * EPOCHS_PER_DAY;
const NOTIFICATION_EPOCHS = NOTIFICATION_WINDOW_DAYS * EPOCHS_PER_DAY;

type WorkerDeps = Pick<RobertDeps, 'db' | 'secrets' | 'dailyKeys' | 'time' | 'settings'>;

/** Smallest distance between two 16-bit times, across the wrap. */
function distance16(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return Math.min(d, 0x10000 - d);
}

/**
 * Takes the oldest queued report no other worker holds and processes it in one transaction:
 * the checks of docs/domain.md (country, EBID, registered idA, MAC, 180 s, ±1 epoch), scoring,
 * exposures and risk, counters, then the report is deleted. A crash rolls it all back and the
 * report is taken again. Undefined when the queue is empty.
 */
export async function processNextReport(deps: WorkerDeps, now: Date): Promise<ReportOutcome | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    const queued = await repo.takeReport(trx, MAX_ATTEMPTS);
    if (!queued) return undefined;
    let outcome: ReportOutcome;
    try {
      outcome = await scoreReport(deps, trx, decodeReport(queued.payload), now);
    } catch (error) {
      throw new ReportFailure(queued.id, error);
    }
    await repo.deleteReport(trx, queued.id);
    const counts: Record<string, number> = { reports: 1, hellos_checked: outcome.hellos, hellos_valid: outcome.valid, alerted: outcome.alertedUsers };
    for (const [reason, n] of Object.entries(outcome.dropped)) counts[`dropped_${reason}`] = n;
    await repo.addCounters(trx, parisDate(now), counts);
    return outcome;
  });
}

async function scoreReport(deps: WorkerDeps, trx: Parameters<typeof repo.lockRegistrations>[0], contacts: QueuedContact[], now: Date): Promise<ReportOutcome> {
  const outcome: ReportOutcome = { hellos: 0, valid: 0, dropped: {}, exposedUsers: 0, alertedUsers: 0 };
  const drop = (reason: DropReason, n: number) => {
    if (n > 0) outcome.dropped[reason] = (outcome.dropped[reason] ?? 0) + n;
  };
  const { time } = deps;
  const countries = eccMasks(deps.secrets.federationKey, contacts.map((c) => c.ebid)).map((mask, i) => mask ^ contacts[i]!.ecc);

  // 1. Country and EBID: which (epoch, idA) each contact's EBID stands for.
  const identified: Array<{ contact: QueuedContact; epochId: number; idA: Buffer }> = [];
  for (const [i, contact] of contacts.entries()) {
    outcome.hellos += contact.hellos.length;
    if (countries[i] !== COUNTRY_CODE_FRANCE) {
      drop('country', contact.hellos.length);
      continue;
    }
    const found = await identify(deps, trx, contact);
    if (!found) drop('ebid', contact.hellos.length);
    else identified.push({ contact, ...found });
  }

  // 2. Registered idA, then each HELLO: MAC, time, epoch.
  const registrations = new Map((await repo.lockRegistrations(trx, uniqueBuffers(identified.map((c) => c.idA)))).map((r) => [r.id_a.toString('hex'), r]));
  const keys = new Map<string, SharedKeys>();
  const scores = new Map<string, { idA: Buffer; epochId: number; score: number }>();
  for (const { contact, epochId, idA } of identified) {
    const id = idA.toString('hex');
    const registration = registrations.get(id);
    if (!registration) {
      drop('unknown_ida', contact.hellos.length);
      continue;
    }
    let shared = keys.get(id);
    if (!shared) keys.set(id, (shared = openKeys(deps, idA, registration.keys_sealed)));
    const seen = new Set<string>();
    const valid: QueuedHello[] = [];
    for (const hello of contact.hellos) {
      const key = `${hello.timeCollectedOnDevice}/${hello.mac.toString('hex')}`;
      if (seen.has(key)) drop('duplicate', 1);
      else if (!macEquals(helloMac(shared.kaMac, contact.ecc, contact.ebid, hello.timeFromHelloMessage), hello.mac)) drop('mac', 1);
      else if (distance16(hello.timeFromHelloMessage, hello.timeCollectedOnDevice) > HELLO_TIME_TOLERANCE_SECONDS) drop('time', 1);
      else if (Math.abs(time.epochOfNtp(hello.timeCollectedOnDevice) - epochId) > 1) drop('epoch', 1);
      else {
        seen.add(key);
        valid.push(hello);
      }
    }
    if (valid.length === 0) continue;
    // HELLOs of one EBID spread over more than an epoch cannot be genuine: the contact is ignored.
    const { epochSeconds, epochToleranceSeconds } = deps.settings.scoring;
    if (spansTooLong(valid, epochSeconds + epochToleranceSeconds)) {
      drop('overrun', valid.length);
      continue;
    }
    outcome.valid += valid.length;
    const { score } = scoreContact(valid, deps.settings.scoring);
    if (score <= 0) continue;
    const exposureKey = `${id}/${epochId}`;
    const exposure = scores.get(exposureKey) ?? { idA, epochId, score: 0 };
    exposure.score += score;
    scores.set(exposureKey, exposure);
  }

  // 3. Exposures, then each exposed registration's risk since its last notification.
  await repo.addExposures(trx, [...scores.values()]);
  const exposedIds = uniqueBuffers([...scores.values()].map((s) => s.idA));
  outcome.exposedUsers = exposedIds.length;
  const epoch = time.epoch(now);
  const history = await repo.exposuresOf(trx, exposedIds, epoch - HISTORY_EPOCHS);
  for (const idA of exposedIds) {
    const registration = registrations.get(idA.toString('hex'))!;
    const counted = history.filter((e) => e.id_a.equals(idA) && e.epoch_id >= registration.scores_from_epoch);
    const lastContactEpoch = Math.max(...counted.map((e) => e.epoch_id));
    const risky = isAtRisk(aggregateRisk(counted.map((e) => e.score), deps.settings.scoring), deps.settings.scoring) && lastContactEpoch >= epoch - NOTIFICATION_EPOCHS;
    const update = {
      idA,
      atRisk: registration.at_risk,
      lastContactEpoch: registration.last_contact_epoch,
      lastContactDayBlurred: registration.last_contact_day_blurred,
      notifiedEpoch: registration.notified_epoch,
      scoringEpoch: epoch,
    };
    if (risky) {
      // A new alert (first one, or new exposures past a notified one) gets a newly blurred date.
      if (!registration.at_risk || registration.notified_epoch !== null) outcome.alertedUsers++;
      const changed = update.lastContactEpoch === null || time.dayOfEpoch(update.lastContactEpoch) !== time.dayOfEpoch(lastContactEpoch) || registration.notified_epoch !== null;
      update.atRisk = true;
      update.notifiedEpoch = null;
      update.lastContactEpoch = lastContactEpoch;
      if (changed || update.lastContactDayBlurred === null) update.lastContactDayBlurred = Math.min(time.dayOfEpoch(epoch), time.dayOfEpoch(lastContactEpoch) + randomInt(-1, 2));
    }
    await repo.updateRisk(trx, update);
  }
  return outcome;
}

function spansTooLong(hellos: readonly QueuedHello[], seconds: number): boolean {
  const times = hellos.map((h) => h.timeCollectedOnDevice);
  return Math.max(...times) - Math.min(...times) > seconds;
}

/**
 * An EBID decrypts under its day's key to its epoch and idA; which day is unknown, so the day
 * of the first HELLO's receive time and its neighbours are tried. Under a wrong key the epoch
 * comes out random and almost never falls in that key's day (96 in 2^24).
 */
async function identify(deps: WorkerDeps, trx: Parameters<typeof repo.lockRegistrations>[0], contact: QueuedContact): Promise<{ epochId: number; idA: Buffer } | undefined> {
  const receivedEpoch = deps.time.epochOfNtp(contact.hellos[0]!.timeCollectedOnDevice);
  const day = deps.time.dayOfEpoch(receivedEpoch);
  for (const candidate of [day, day - 1, day + 1]) {
    const key = await deps.dailyKeys.find(candidate, trx);
    if (!key) continue;
    const plain = decryptEbid(key, contact.ebid);
    if (deps.time.dayOfEpoch(plain.epochId) === candidate) return plain;
  }
  return undefined;
}

function uniqueBuffers(buffers: Buffer[]): Buffer[] {
  return [...new Map(buffers.map((b) => [b.toString('hex'), b])).values()];
}

/**
 * Report workers of this process: each takes reports until the queue is empty, then sleeps
 * until kicked (a report queued here) or the poll interval passes (one queued elsewhere).
 */
export class ReportWorkers {
  private running = false;
  private loops: Array<Promise<void>> = [];
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly deps: WorkerDeps & { clock: Clock; log: FastifyBaseLogger },
    private readonly count: number,
    private readonly pollMs = 2000,
  ) {}

  start(): void {
    if (this.running || this.count === 0) return;
    this.running = true;
    for (let i = 0; i < this.count; i++) this.loops.push(this.loop());
  }

  kick(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    this.kick();
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let processed: ReportOutcome | undefined;
      try {
        processed = await processNextReport(this.deps, this.deps.clock.now());
      } catch (error) {
        this.deps.log.error({ err: serializeError(error) }, 'robert report processing failed');
        if (error instanceof ReportFailure) await repo.recordReportFailure(this.deps.db, error.reportId).catch(() => {});
      }
      if (processed || !this.running) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        sleep(this.pollMs, undefined, { signal: this.stopping.signal }).then(resolve, resolve);
      });
    }
  }
}
