import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  COUNTRY_CODE_FRANCE,
  EPOCH_SECONDS,
  EPOCHS_PER_DAY,
  HELLO_TIME_TOLERANCE_SECONDS,
  MAX_REPORT_HELLOS,
  NOTIFICATION_WINDOW_DAYS,
  REQUEST_TIME_TOLERANCE_SECONDS,
  RISK_LEVEL,
  SALT,
  STATUS_MIN_EPOCHS,
  TUPLE_DAYS,
  CONTACT_HISTORY_DAYS,
  type AuthenticatedBody,
  type CaptchaChallenge,
  type Clock,
  type Done,
  type RegisterBody,
  type Registered,
  type ReportBody,
  type Reported,
  type RobertConfig,
  type RobertKpis,
  type Status,
  type Tuple,
} from '@prostopcovid/contracts/robert';
import { leadingZeroBits } from '@prostopcovid/phone';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import { HOUR } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { addDays, parisDate, parisDayStart } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { countHit } from '../../platform/rate-limit.js';
import { claimReportToken, recordReportCounts } from '../declarations/declarations.service.js';
import { encodeReport, type QueuedContact } from './report-payload.js';
import { decryptEbid, deriveSharedKeys, eccMasks, encryptEbids, macEquals, openAesGcm, requestMac, sealAesGcm, sealTuples, type SharedKeys } from './robert-crypto.js';
import type { DailyKeys, RobertSecrets } from './robert-keys.js';
import type { RobertTime } from './robert-time.js';
import * as repo from './robert.repository.js';

export interface RobertDeps {
  db: Db;
  secrets: RobertSecrets;
  dailyKeys: DailyKeys;
  time: RobertTime;
  settings: Config['robert'];
  /** Wakes this process's report workers (others poll). */
  onReportQueued: () => void;
}

const TUPLE_EPOCHS = TUPLE_DAYS * EPOCHS_PER_DAY;
/**
 * Register also hands out the last hour's EBIDs: a phone whose clock lags a little still has
 * one, and a demonstration can replay a meeting of the last minutes (the /app page, the CLI).
 */
const PAST_TUPLE_EPOCHS = 4;
/** Status hands out new tuples when fewer than this many epochs are left. */
const TUPLE_REFRESH_EPOCHS = 2 * EPOCHS_PER_DAY;
const HISTORY_EPOCHS = CONTACT_HISTORY_DAYS * EPOCHS_PER_DAY;

/** Settings a phone reads from register and status answers (robert-server's name/value list). */
function clientConfig(): Array<{ name: string; value: number }> {
  return [
    { name: 'epochDurationSeconds', value: EPOCH_SECONDS },
    { name: 'statusMinEpochs', value: STATUS_MIN_EPOCHS },
    { name: 'contactHistoryDays', value: CONTACT_HISTORY_DAYS },
    { name: 'helloTimeToleranceSeconds', value: HELLO_TIME_TOLERANCE_SECONDS },
  ];
}

export function getConfig(deps: RobertDeps): RobertConfig {
  return {
    serverPublicECDHKey: deps.secrets.ecdhPublicSpki.toString('base64'),
    timeStart: deps.time.timeStart,
    epochDurationSeconds: EPOCH_SECONDS,
    countryCode: COUNTRY_CODE_FRANCE,
    captchaRequired: deps.settings.captcha,
  };
}

export function getClock(deps: RobertDeps, ctx: RequestContext): Clock {
  return {
    serverStartTime: deps.time.dateOfNtp(deps.time.timeStart).toISOString(),
    time: ctx.now.toISOString(),
    epoch: deps.time.epoch(ctx.now),
  };
}

const CAPTCHA_TTL_SECONDS = 600;

/** A proof-of-work challenge: random ‖ expiry ‖ MAC, so the server keeps nothing until it is used. */
export function createCaptcha(deps: RobertDeps, ctx: RequestContext): CaptchaChallenge {
  const body = Buffer.alloc(20);
  randomBytes(16).copy(body);
  const expires = Math.floor(ctx.now.getTime() / 1000) + CAPTCHA_TTL_SECONDS;
  body.writeUInt32BE(expires, 16);
  const tag = createHmac('sha256', deps.secrets.captchaKey).update(body).digest().subarray(0, 16);
  return {
    id: Buffer.concat([body, tag]).toString('base64url'),
    difficulty: deps.settings.captchaDifficulty,
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

async function checkCaptcha(deps: RobertDeps, ctx: RequestContext, id: string | undefined, answer: string | undefined): Promise<void> {
  if (!id || !answer) throw new AppError('ROBERT_CAPTCHA_REQUIRED');
  const raw = Buffer.from(id, 'base64url');
  if (raw.length !== 36 || raw.toString('base64url') !== id) throw new AppError('ROBERT_CAPTCHA_INVALID');
  const body = raw.subarray(0, 20);
  const tag = createHmac('sha256', deps.secrets.captchaKey).update(body).digest().subarray(0, 16);
  const expiresAt = new Date(body.readUInt32BE(16) * 1000);
  if (!macEquals(tag, raw.subarray(20)) || expiresAt <= ctx.now) throw new AppError('ROBERT_CAPTCHA_INVALID');
  const digest = createHash('sha256').update(`${id}:${answer}`).digest();
  if (leadingZeroBits(digest) < deps.settings.captchaDifficulty) throw new AppError('ROBERT_CAPTCHA_INVALID');
  if (!(await repo.useCaptcha(deps.db, createHash('sha256').update(id).digest(), expiresAt))) throw new AppError('ROBERT_CAPTCHA_INVALID');
}

/** The (EBID, ECC) of each epoch from `fromEpoch`, for one idA. */
export async function buildTuples(deps: RobertDeps, idA: Buffer, fromEpoch: number, count: number): Promise<Tuple[]> {
  const epochs = Array.from({ length: count }, (_, i) => fromEpoch + i);
  const days = [...new Set(epochs.map((e) => deps.time.dayOfEpoch(e)))];
  const keys = await deps.dailyKeys.ensure(days);
  const ebids = days.flatMap((day) => {
    const ofDay = epochs.filter((e) => deps.time.dayOfEpoch(e) === day);
    return encryptEbids(keys.get(day)!, ofDay.map((epochId) => ({ epochId, idA }))).map((ebid, i) => ({ epochId: ofDay[i]!, ebid }));
  });
  const masks = eccMasks(deps.secrets.federationKey, ebids.map((e) => e.ebid));
  return ebids.map(({ epochId, ebid }, i) => ({
    epochId,
    key: { ebid: ebid.toString('base64'), ecc: Buffer.of(masks[i]! ^ COUNTRY_CODE_FRANCE).toString('base64') },
  }));
}

const REGISTER_WINDOW_MS = HOUR;

export async function register(deps: RobertDeps, ctx: RequestContext, body: RegisterBody): Promise<Registered> {
  const limit = await countHit(deps.db, `robert:register:${ctx.ip}`, deps.settings.registerLimitPerAddress, REGISTER_WINDOW_MS, ctx.now);
  if (!limit.allowed) throw new AppError('ROBERT_REGISTER_RATE_LIMITED', { retryAfterSeconds: limit.retryAfterSeconds });
  if (deps.settings.captcha) await checkCaptcha(deps, ctx, body.captchaId, body.captcha);
  const keys = deriveSharedKeys(deps.secrets.ecdh, Buffer.from(body.clientPublicECDHKey, 'base64'));
  if (!keys) throw new AppError('ROBERT_KEY_INVALID');
  const epoch = deps.time.epoch(ctx.now);
  let idA: Buffer | undefined;
  for (let attempt = 0; attempt < 5 && !idA; attempt++) {
    const candidate = randomBytes(5);
    const inserted = await repo.insertRegistration(deps.db, {
      idA: candidate,
      keysSealed: sealKeys(deps, candidate, keys),
      epoch,
      tuplesUntilEpoch: epoch + TUPLE_EPOCHS - 1,
    });
    if (inserted) idA = candidate;
  }
  if (!idA) throw new AppError('ROBERT_REGISTER_FAILED');
  const tuples = await buildTuples(deps, idA, epoch - PAST_TUPLE_EPOCHS, PAST_TUPLE_EPOCHS + TUPLE_EPOCHS);
  return { tuples: sealTuples(keys.kaTuples, tuples).toString('base64'), timeStart: deps.time.timeStart, config: clientConfig() };
}

function sealKeys(deps: RobertDeps, idA: Buffer, keys: SharedKeys): Buffer {
  return sealAesGcm(deps.secrets.keyEncryptionKey, Buffer.concat([keys.kaMac, keys.kaTuples]), idA);
}

export function openKeys(deps: Pick<RobertDeps, 'secrets'>, idA: Buffer, sealed: Buffer): SharedKeys {
  const plain = openAesGcm(deps.secrets.keyEncryptionKey, sealed, idA);
  return { kaMac: plain.subarray(0, 32), kaTuples: plain.subarray(32, 64) };
}

type RequestSalt = (typeof SALT)['status' | 'unregister' | 'deleteHistory'];

/**
 * status, unregister and deleteExposureHistory: the EBID must decrypt, under its day's key, to
 * the epoch the phone names; the request time must be within 60 s of the server's; the MAC,
 * with the request's own salt, must verify under the registration's KA_mac. Every failure
 * answers alike, so the answer tells nothing about which check failed.
 */
async function authenticate(deps: RobertDeps, ctx: RequestContext, body: AuthenticatedBody, salt: RequestSalt) {
  const nowNtp = deps.time.ntp(ctx.now);
  const time = Buffer.from(body.time, 'base64');
  if (Math.abs(time.readUInt32BE(0) - nowNtp) > REQUEST_TIME_TOLERANCE_SECONDS) throw new AppError('ROBERT_TIME_INVALID');
  const epoch = deps.time.epochOfNtp(nowNtp);
  if (body.epochId > epoch + 1 || body.epochId < epoch - HISTORY_EPOCHS) throw new AppError('ROBERT_AUTH_FAILED');
  const dayKey = await deps.dailyKeys.find(deps.time.dayOfEpoch(body.epochId));
  if (!dayKey) throw new AppError('ROBERT_AUTH_FAILED');
  const ebid = Buffer.from(body.ebid, 'base64');
  const { epochId, idA } = decryptEbid(dayKey, ebid);
  if (epochId !== body.epochId) throw new AppError('ROBERT_AUTH_FAILED');
  const registration = await repo.findRegistration(deps.db, idA);
  if (!registration) throw new AppError('ROBERT_AUTH_FAILED');
  const keys = openKeys(deps, idA, registration.keys_sealed);
  if (!macEquals(requestMac(keys.kaMac, salt, ebid, body.epochId, time), Buffer.from(body.mac, 'base64'))) throw new AppError('ROBERT_AUTH_FAILED');
  return { registration, keys, epoch };
}

const NOTIFICATION_EPOCHS = NOTIFICATION_WINDOW_DAYS * EPOCHS_PER_DAY;

export async function getStatus(deps: RobertDeps, ctx: RequestContext, body: AuthenticatedBody): Promise<Status> {
  const { registration: r, keys, epoch } = await authenticate(deps, ctx, body, SALT.status);
  const tooSoon = () => {
    const nextEpoch = (r.last_status_epoch ?? epoch) + STATUS_MIN_EPOCHS;
    const retryAfterSeconds = Math.max(1, deps.time.epochStartNtp(nextEpoch) - deps.time.ntp(ctx.now));
    return new AppError('ROBERT_STATUS_TOO_SOON', { retryAfterSeconds });
  };
  if (r.last_status_epoch !== null && r.last_status_epoch > epoch - STATUS_MIN_EPOCHS) throw tooSoon();

  const refresh = r.tuples_until_epoch - epoch < TUPLE_REFRESH_EPOCHS;
  const recorded = await repo.recordStatus(deps.db, {
    idA: r.id_a,
    epoch,
    minEpochs: STATUS_MIN_EPOCHS,
    tuplesUntilEpoch: refresh ? epoch + TUPLE_EPOCHS - 1 : r.tuples_until_epoch,
    // At risk while the last exposure is recent; the first answer that says so is the notification.
    notifyFromEpoch: epoch - NOTIFICATION_EPOCHS,
  });
  if (!recorded) throw tooSoon();
  if (recorded.at_risk && recorded.notified_epoch === epoch) await repo.addCounters(deps.db, parisDate(ctx.now), { notified: 1 });
  const status: Status = { riskLevel: recorded.at_risk ? RISK_LEVEL.high : RISK_LEVEL.none, config: clientConfig() };
  if (recorded.at_risk && recorded.last_contact_day_blurred !== null) status.lastContactDate = String(deps.time.dayStartNtp(recorded.last_contact_day_blurred));
  if (recorded.last_risk_scoring_epoch !== null) status.lastRiskScoringDate = String(deps.time.epochStartNtp(recorded.last_risk_scoring_epoch));
  if (refresh) status.tuples = sealTuples(keys.kaTuples, await buildTuples(deps, r.id_a, epoch, TUPLE_EPOCHS)).toString('base64');
  return status;
}

export async function unregister(deps: RobertDeps, ctx: RequestContext, body: AuthenticatedBody): Promise<Done> {
  const { registration } = await authenticate(deps, ctx, body, SALT.unregister);
  await deps.db.transaction().execute((trx) => repo.deleteRegistration(trx, registration.id_a));
  return { success: true, message: 'Votre enregistrement est supprimé.' };
}

export async function deleteExposureHistory(deps: RobertDeps, ctx: RequestContext, body: AuthenticatedBody): Promise<Done> {
  const { registration, epoch } = await authenticate(deps, ctx, body, SALT.deleteHistory);
  await deps.db.transaction().execute((trx) => repo.clearExposures(trx, registration.id_a, epoch));
  return { success: true, message: "Votre historique d'exposition est effacé." };
}

/**
 * A declared patient's phone sends the HELLOs it heard. Only those heard on the declaration's
 * days are kept; they are queued for the workers (validation and scoring are not done here).
 * The queued report names no declaration: nothing ties the contacts' idAs to a code or a patient.
 */
export async function report(deps: RobertDeps, ctx: RequestContext, body: ReportBody): Promise<Reported> {
  const hellos = body.contacts.reduce((n, c) => n + c.ids.length, 0);
  if (hellos > MAX_REPORT_HELLOS) throw new AppError('ROBERT_REPORT_TOO_LARGE');
  const digest = createHash('sha256').update(JSON.stringify(body.contacts)).digest();
  const latest = deps.time.ntp(ctx.now) + HELLO_TIME_TOLERANCE_SECONDS;
  const result = await deps.db.transaction().execute(async (trx) => {
    const claim = await claimReportToken(trx, body.token, digest, ctx.now);
    if (claim.kind === 'replay') return { accepted: claim.accepted, rejectedOutsideWindow: claim.rejectedOutsideWindow, queued: false };
    // The window's Paris days as NTP bounds, computed once: a report may hold hundreds of thousands of HELLOs.
    const from = deps.time.ntp(parisDayStart(claim.window.from));
    const until = Math.min(deps.time.ntp(parisDayStart(addDays(claim.window.to, 1))), latest + 1);
    const kept: QueuedContact[] = [];
    let accepted = 0;
    for (const contact of body.contacts) {
      const inWindow = contact.ids.filter((hello) => hello.timeCollectedOnDevice >= from && hello.timeCollectedOnDevice < until);
      if (inWindow.length === 0) continue;
      accepted += inWindow.length;
      kept.push({
        ebid: Buffer.from(contact.ebid, 'base64'),
        ecc: Buffer.from(contact.ecc, 'base64')[0]!,
        hellos: inWindow.map((h) => ({ ...h, mac: Buffer.from(h.mac, 'base64') })),
      });
    }
    const rejectedOutsideWindow = hellos - accepted;
    if (kept.length > 0) await repo.insertReport(trx, { receivedAt: ctx.now, hellos: accepted, payload: encodeReport(kept) });
    await recordReportCounts(trx, claim.declarationId, accepted, rejectedOutsideWindow);
    await repo.addCounters(trx, parisDate(ctx.now), { reports_received: 1, hellos_received: hellos, dropped_outside_window: rejectedOutsideWindow });
    await recordAudit(trx, ctx, {
      action: 'robert.report',
      outcome: 'success',
      targetType: 'declaration',
      targetId: claim.declarationId,
      details: { contacts: body.contacts.length, accepted, rejectedOutsideWindow },
    });
    return { accepted, rejectedOutsideWindow, queued: kept.length > 0 };
  });
  if (result.queued) deps.onReportQueued();
  return {
    success: true,
    message: 'Merci. Votre historique de contacts est transmis : les personnes exposées seront prévenues.',
    accepted: result.accepted,
    rejectedOutsideWindow: result.rejectedOutsideWindow,
  };
}

/**
 * Retention: exposures and the daily keys that explain them last 14 days; registrations
 * without a status request for `inactivityDays` go with their exposures; used challenges
 * go once expired. Run hourly by the workers' host.
 */
export async function purgeExpired(deps: Pick<RobertDeps, 'db' | 'dailyKeys' | 'time' | 'settings'>, now: Date) {
  const epoch = deps.time.epoch(now);
  const oldestDay = deps.time.dayOfEpoch(epoch - HISTORY_EPOCHS) - 1;
  const purged = await repo.purge(deps.db, {
    exposuresBeforeEpoch: epoch - HISTORY_EPOCHS,
    inactiveBeforeEpoch: epoch - deps.settings.inactivityDays * EPOCHS_PER_DAY,
    now,
  });
  const keys = await repo.deleteServerKeysBefore(deps.db, oldestDay);
  deps.dailyKeys.forget(oldestDay);
  return { ...purged, keys };
}

/** The protocol's key figures, for the whole deployment (from the database): counters since `fromDay`, and users now. */
export async function getKpis(deps: Pick<RobertDeps, 'db'>, fromDay = '2020-01-01', toDay = '9999-12-31'): Promise<RobertKpis> {
  const totals = await repo.sumCounters(deps.db, fromDay, toDay);
  const users = await repo.countUsers(deps.db);
  const dropped = Object.fromEntries(
    Object.entries(totals)
      .filter(([name]) => name.startsWith('dropped_'))
      .map(([name, value]) => [name.slice('dropped_'.length), value]),
  );
  return {
    reports: totals.reports ?? 0,
    reportsReceived: totals.reports_received ?? 0,
    hellosReceived: totals.hellos_received ?? 0,
    hellosChecked: totals.hellos_checked ?? 0,
    hellosValidated: totals.hellos_valid ?? 0,
    dropped,
    alertedUsers: totals.alerted ?? 0,
    notifiedUsers: totals.notified ?? 0,
    atRiskUsers: users.atRisk,
    exposedButNotAtRiskUsers: users.exposedButNotAtRisk,
    registrationsEstimate: users.registrationsEstimate,
    queuedReports: await repo.countQueuedReports(deps.db),
  };
}
