import {
  CONTACT_HISTORY_DAYS,
  EPOCHS_PER_DAY,
  MAX_HELLOS_PER_CONTACT,
  MAX_REPORT_CONTACTS,
  MAX_REPORT_HELLOS,
  RISK_LEVEL,
  SALT,
  type AuthenticatedBody,
  type Hello,
  type ReportContact,
  type Reported,
  type Tuple,
} from '@prostopcovid/contracts/robert';
import { fromBase64, toBase64 } from './bytes.js';
import type { RobertApi } from './client.js';
import { buildHello, decryptTuples, deriveSharedKeys, generateEcdhKeyPair, importHmacKey, parseHello, requestMac, solveCaptcha, type RequestSalt } from './crypto.js';
import { dateOfNtp, epochOf } from './time.js';

const DAY_SECONDS = 86_400;
/** Status about once a day: 24 h plus a random 0-12 h, so phones do not all ask at once. */
const STATUS_BASE_SECONDS = DAY_SECONDS;
const STATUS_SPREAD_SECONDS = DAY_SECONDS / 2;
/** The server hands out the last hour's EBIDs too; the phone keeps them as long. */
const KEPT_PAST_EPOCHS = 4;

/** Every k-th HELLO of a contact, and its last: the contact keeps its span (its score's duration). */
function thin(ids: Hello[], k: number): Hello[] {
  if (k <= 1 || ids.length <= 2) return ids;
  return ids.filter((_, i) => i % k === 0 || i === ids.length - 1);
}

/**
 * A report within the server's bounds: a contact heard more than MAX_HELLOS_PER_CONTACT times is
 * thinned evenly; then, if the whole is still over MAX_REPORT_HELLOS, every contact is thinned by
 * the smallest factor that fits; past MAX_REPORT_CONTACTS the contacts heard least are left out.
 */
export function fitReport(contacts: ReportContact[]): ReportContact[] {
  let fitted = contacts.map((c) => ({ ...c, ids: thin([...c.ids].sort((a, b) => a.timeCollectedOnDevice - b.timeCollectedOnDevice), Math.ceil(c.ids.length / (MAX_HELLOS_PER_CONTACT - 1))) }));
  if (fitted.length > MAX_REPORT_CONTACTS) fitted = fitted.sort((a, b) => b.ids.length - a.ids.length).slice(0, MAX_REPORT_CONTACTS);
  const total = (list: ReportContact[]) => list.reduce((n, c) => n + c.ids.length, 0);
  for (let k = 2; total(fitted) > MAX_REPORT_HELLOS; k++) {
    const base = fitted;
    fitted = base.map((c) => ({ ...c, ids: thin(c.ids, k) }));
    if (total(fitted) <= MAX_REPORT_HELLOS) break;
    fitted = base;
  }
  return fitted;
}

/** A HELLO as heard and kept for 14 days: what a report sends. */
export interface HeardHello {
  ebid: string;
  ecc: string;
  timeCollectedOnDevice: number;
  timeFromHelloMessage: number;
  mac: string;
  rssiCalibrated: number;
}

/** Everything a phone keeps, as plain JSON (IndexedDB, a file, or memory in the simulator). */
export interface PhoneState {
  version: 1;
  /** NTP seconds of epoch 0. */
  timeStart: number;
  kaMac: string;
  kaTuples: string;
  tuples: Tuple[];
  heard: HeardHello[];
  status: {
    nextAt: number;
    checkedAt?: number;
    riskLevel: number;
    /** NTP seconds, as the server gave them. */
    lastContactDate?: number;
    lastRiskScoringDate?: number;
  };
  /** Set once the phone's own exposure history was sent after a declaration. */
  reportedAt?: number;
}

export interface PhoneOptions {
  /** Random source in [0, 1) for the status schedule (the simulator passes a seeded one). */
  random?: () => number;
}

/** One StopCovid phone: register once, broadcast HELLOs, keep what it hears, ask its status, report. */
export class Phone {
  private macKey: Promise<CryptoKey> | undefined;
  private readonly random: () => number;

  constructor(
    public state: PhoneState,
    options: PhoneOptions = {},
  ) {
    this.random = options.random ?? Math.random;
  }

  /** Registers with the server (solving its proof of work if asked) and keeps the shared keys and tuples. */
  static async register(api: RobertApi, nowNtp: number, options: PhoneOptions = {}): Promise<Phone> {
    const config = await api.config();
    const pair = await generateEcdhKeyPair();
    let proof: { captchaId: string; captcha: string } | undefined;
    if (config.captchaRequired) {
      const challenge = await api.captcha();
      proof = { captchaId: challenge.id, captcha: await solveCaptcha(challenge.id, challenge.difficulty) };
    }
    const registered = await api.register({ clientPublicECDHKey: toBase64(pair.publicKeySpki), ...proof });
    const keys = await deriveSharedKeys(pair.privateKey, fromBase64(config.serverPublicECDHKey));
    const tuples = await decryptTuples(keys.kaTuples, fromBase64(registered.tuples));
    const random = options.random ?? Math.random;
    return new Phone(
      {
        version: 1,
        timeStart: registered.timeStart,
        kaMac: toBase64(keys.kaMac),
        kaTuples: toBase64(keys.kaTuples),
        tuples: tuples.sort((a, b) => a.epochId - b.epochId),
        heard: [],
        status: { nextAt: nowNtp + STATUS_BASE_SECONDS + Math.floor(random() * STATUS_SPREAD_SECONDS), riskLevel: RISK_LEVEL.none },
      },
      options,
    );
  }

  epochAt(nowNtp: number): number {
    return epochOf(nowNtp, this.state.timeStart);
  }

  /** The (EBID, ECC) of the epoch, if the phone still holds it. */
  tupleAt(nowNtp: number): Tuple | undefined {
    const epoch = this.epochAt(nowNtp);
    return this.state.tuples.find((t) => t.epochId === epoch);
  }

  /** Days of tuples left after now (a phone with none left cannot broadcast). */
  tupleDaysLeft(nowNtp: number): number {
    const last = this.state.tuples.at(-1);
    return last ? Math.max(0, (last.epochId + 1 - this.epochAt(nowNtp)) / EPOCHS_PER_DAY) : 0;
  }

  /** The 16-byte HELLO to broadcast at this second, or undefined without a tuple for the epoch. */
  async hello(nowNtp: number): Promise<Uint8Array | undefined> {
    const tuple = this.tupleAt(nowNtp);
    if (!tuple) return undefined;
    return buildHello(await this.hmacKey(), fromBase64(tuple.key.ecc), fromBase64(tuple.key.ebid), nowNtp);
  }

  /** Keeps a HELLO heard at `receivedNtp` with the RSSI already calibrated for this phone's model. */
  hear(hello: Uint8Array, receivedNtp: number, rssiCalibrated: number): void {
    const parts = parseHello(hello);
    this.state.heard.push({
      ebid: toBase64(parts.ebid),
      ecc: toBase64(parts.ecc),
      timeCollectedOnDevice: receivedNtp,
      timeFromHelloMessage: parts.time,
      mac: toBase64(parts.mac),
      rssiCalibrated: Math.max(-127, Math.min(127, Math.round(rssiCalibrated))),
    });
  }

  /** Forgets HELLOs older than 14 days and tuples older than an hour (kept that long for a replayed meeting). */
  prune(nowNtp: number): void {
    const oldest = nowNtp - CONTACT_HISTORY_DAYS * DAY_SECONDS;
    this.state.heard = this.state.heard.filter((h) => h.timeCollectedOnDevice >= oldest);
    const epoch = this.epochAt(nowNtp);
    this.state.tuples = this.state.tuples.filter((t) => t.epochId >= epoch - KEPT_PAST_EPOCHS);
  }

  isStatusDue(nowNtp: number): boolean {
    return nowNtp >= this.state.status.nextAt;
  }

  get atRisk(): boolean {
    return this.state.status.riskLevel >= RISK_LEVEL.high;
  }

  /** Asks the server whether this phone met a declared case; schedules the next request. */
  async checkStatus(api: RobertApi, nowNtp: number) {
    const answer = await api.status(await this.authenticated(SALT.status, nowNtp));
    const { status } = this.state;
    status.checkedAt = nowNtp;
    status.nextAt = nowNtp + STATUS_BASE_SECONDS + Math.floor(this.random() * STATUS_SPREAD_SECONDS);
    status.riskLevel = answer.riskLevel;
    status.lastContactDate = answer.lastContactDate === undefined ? undefined : Number(answer.lastContactDate);
    status.lastRiskScoringDate = answer.lastRiskScoringDate === undefined ? undefined : Number(answer.lastRiskScoringDate);
    if (answer.tuples) {
      const fresh = await decryptTuples(fromBase64(this.state.kaTuples), fromBase64(answer.tuples));
      const byEpoch = new Map(this.state.tuples.map((t) => [t.epochId, t]));
      for (const tuple of fresh) byEpoch.set(tuple.epochId, tuple);
      this.state.tuples = [...byEpoch.values()].sort((a, b) => a.epochId - b.epochId);
    }
    return answer;
  }

  /**
   * The HELLOs heard on the declaration's days (Europe/Paris calendar days, inclusive), grouped
   * by EBID as report expects. Without a window, all 14 days.
   */
  contactsToReport(window?: { from: string; to: string }): ReportContact[] {
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
    const contacts = new Map<string, ReportContact>();
    for (const heard of this.state.heard) {
      if (window) {
        const heardOn = day.format(dateOfNtp(heard.timeCollectedOnDevice));
        if (heardOn < window.from || heardOn > window.to) continue;
      }
      const key = `${heard.ebid}/${heard.ecc}`;
      let contact = contacts.get(key);
      if (!contact) contacts.set(key, (contact = { ebid: heard.ebid, ecc: heard.ecc, ids: [] }));
      const id: Hello = {
        timeCollectedOnDevice: heard.timeCollectedOnDevice,
        timeFromHelloMessage: heard.timeFromHelloMessage,
        mac: heard.mac,
        rssiCalibrated: heard.rssiCalibrated,
      };
      contact.ids.push(id);
    }
    return fitReport([...contacts.values()]);
  }

  /** Sends the history of the declaration window with the token of the redeemed code. */
  async report(api: RobertApi, token: string, window: { from: string; to: string } | undefined, nowNtp: number): Promise<Reported> {
    const answer = await api.report({ token, contacts: this.contactsToReport(window) });
    this.state.reportedAt = nowNtp;
    return answer;
  }

  async unregister(api: RobertApi, nowNtp: number) {
    return api.unregister(await this.authenticated(SALT.unregister, nowNtp));
  }

  async deleteExposureHistory(api: RobertApi, nowNtp: number) {
    const answer = await api.deleteExposureHistory(await this.authenticated(SALT.deleteHistory, nowNtp));
    this.state.status.riskLevel = RISK_LEVEL.none;
    delete this.state.status.lastContactDate;
    return answer;
  }

  /** Body of status, unregister and deleteExposureHistory: the current EBID and a MAC with the request's salt. */
  async authenticated(salt: RequestSalt, nowNtp: number): Promise<AuthenticatedBody> {
    const tuple = this.tupleAt(nowNtp) ?? this.state.tuples.at(-1);
    if (!tuple) throw new Error('Plus aucun identifiant valide : réinstallez l’application pour vous réenregistrer.');
    return requestMac(await this.hmacKey(), salt, fromBase64(tuple.key.ebid), tuple.epochId, nowNtp);
  }

  private hmacKey(): Promise<CryptoKey> {
    this.macKey ??= importHmacKey(fromBase64(this.state.kaMac));
    return this.macKey;
  }
}

