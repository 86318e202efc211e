import { normalizePersonName } from '@prostopcovid/dcc';
import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { addDays, daysBetween, instantOf, isPlausibleBirthDate, isValidIsoDate, parisDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { hashToken } from '../../platform/secrets.js';
import { generateRetrievalCode, normalizeRetrievalCode } from '../../platform/retrieval-code.js';
import { generateUvci } from '../../platform/uvci.js';
import { findTestDevice, findVaccineProduct } from '../reference/reference.service.js';
import * as repo from './acts.repository.js';
import { issueLongCode, type CodesDeps } from '../codes/codes.service.js';
import { renderCovidPlusDocument } from './covid-plus-document.js';
import { MAX_ACT_AGE_DAYS, type Patient, type RecordTestBody, type RecordVaccinationBody } from '@prostopcovid/contracts/acts';
import { defaultPolicy } from '../auth/policy.js';
import { actZone } from '../statistics/attribution.js';

/** Clock skew tolerated between the professional's device and the server. */
const CLOCK_SKEW_MS = 5 * 60_000;
/** An act entered more than this after it was saved locally was entered after the fact. */
const DEFERRED_AFTER_MS = 5 * 60_000;

function entryDetails(ctx: RequestContext, outbox: { columns: { captured_at: Date | null; idempotency_key: string | null } }) {
  const capturedAt = outbox.columns.captured_at;
  return {
    ...(outbox.columns.idempotency_key ? { outbox: true } : {}),
    ...(capturedAt && ctx.now.getTime() - capturedAt.getTime() > DEFERRED_AFTER_MS ? { deferredMinutes: Math.round((ctx.now.getTime() - capturedAt.getTime()) / 60_000) } : {}),
  };
}

function patientColumns(patient: Patient, today: string) {
  if (!isPlausibleBirthDate(patient.birthDate, today)) {
    throw new AppError('ACTS_BIRTH_DATE_INVALID');
  }
  return {
    family_name: normalizePersonName(patient.familyName),
    given_name: normalizePersonName(patient.givenName),
    birth_date: patient.birthDate,
    sex: patient.sex,
    email: patient.email?.trim() || null,
    phone: patient.phone?.trim() || null,
  };
}

function checkActDay(day: string, today: string): void {
  if (day > today) throw new AppError('ACTS_DATE_IN_FUTURE');
  if (daysBetween(day, today) > MAX_ACT_AGE_DAYS) throw new AppError('ACTS_DATE_TOO_OLD');
}

/** SHA-256 of the act as sent; key order must not matter (a retry may serialise it differently). */
function requestHash(input: RecordTestBody | RecordVaccinationBody): string {
  return createHash('sha256').update(stringify(input)).digest('hex');
}

function clientRetrievalCode(input: RecordTestBody | RecordVaccinationBody): string | undefined {
  if (input.retrievalCode === undefined) return undefined;
  const normalized = normalizeRetrievalCode(input.retrievalCode);
  if (!normalized) throw new AppError('ACTS_RETRIEVAL_CODE_INVALID');
  return normalized;
}

/**
 * The answer to an act already stored under this idempotency key, or undefined. Checked before
 * anything else: a resend must get its act back even if, meanwhile, the reference lists or the
 * date changed enough to refuse it as a new act.
 */
async function findReplay(db: Db, ctx: RequestContext, table: 'test_results' | 'vaccinations', input: RecordTestBody | RecordVaccinationBody, key: string | undefined) {
  if (!key) return undefined;
  const existing = await repo.findActByIdempotencyKey(db, table, ctx.professional!.id, key.toLowerCase());
  if (!existing) return undefined;
  if (existing.request_hash !== requestHash(input)) throw new AppError('ACTS_IDEMPOTENCY_CONFLICT');
  const code = clientRetrievalCode(input);
  return {
    id: existing.id,
    recordedAt: existing.recorded_at.toISOString(),
    capturedAt: existing.captured_at?.toISOString() ?? null,
    replayed: true,
    // A code the client chose is echoed; one the server generated for the first send is gone.
    ...(code ? { retrievalCode: code } : {}),
  };
}

/**
 * What the browser outbox adds to an act: its idempotency key, the retrieval code it
 * printed offline, and when the act was saved (act time; recorded_at is the entry time).
 */
function outboxColumns(ctx: RequestContext, input: RecordTestBody | RecordVaccinationBody, idempotencyKey: string | undefined) {
  const retrievalCode = clientRetrievalCode(input) ?? generateRetrievalCode();
  let capturedAt: Date | null = null;
  if (input.capturedAt !== undefined) {
    capturedAt = instantOf(input.capturedAt);
    if (capturedAt.getTime() > ctx.now.getTime() + CLOCK_SKEW_MS) throw new AppError('ACTS_DATE_IN_FUTURE');
    checkActDay(parisDate(capturedAt), parisDate(ctx.now));
  }
  return {
    retrievalCode,
    columns: {
      retrieval_hash: hashToken(retrievalCode),
      idempotency_key: idempotencyKey?.toLowerCase() ?? null,
      request_hash: idempotencyKey ? requestHash(input) : null,
      captured_at: capturedAt,
    },
  };
}

/**
 * Stores an act once per idempotency key. Concurrent sends of one act wait on the unique
 * index and do nothing; the act then stored is their answer (a replay).
 */
async function storeOnce(
  db: Db,
  ctx: RequestContext,
  table: 'test_results' | 'vaccinations',
  input: RecordTestBody | RecordVaccinationBody,
  outbox: ReturnType<typeof outboxColumns>,
  insert: (trx: Transaction<Database>) => Promise<string | undefined>,
) {
  const key = outbox.columns.idempotency_key ?? undefined;
  let id: string | undefined;
  try {
    id = await db.transaction().execute(insert);
  } catch (error) {
    if (!isUniqueViolation(error, 'retrieval_idx')) throw error;
    // A concurrent send of the same act (same code) may hit the retrieval code's index before
    // the idempotency key's: the act it stored is then the answer. Otherwise the code (chosen
    // by the client) belongs to another act.
    const replay = await findReplay(db, ctx, table, input, key);
    if (replay) return replay;
    throw new AppError('ACTS_RETRIEVAL_CODE_TAKEN', { cause: error });
  }
  if (!id) {
    const replay = await findReplay(db, ctx, table, input, key);
    if (!replay) throw new Error('idempotent insert did nothing but no act holds the key');
    return replay;
  }
  return { id, recordedAt: ctx.now.toISOString(), capturedAt: outbox.columns.captured_at?.toISOString() ?? null, replayed: false, retrievalCode: outbox.retrievalCode };
}

function isUniqueViolation(error: unknown, constraintPart: string): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && (constraint ?? '').includes(constraintPart);
}

/** A rapid antigen test or supervised self-test, entered by a professional. */
export async function recordTest(db: Db, ctx: RequestContext, input: RecordTestBody, idempotencyKey?: string) {
  const replay = await findReplay(db, ctx, 'test_results', input, idempotencyKey);
  if (replay) return { ...replay, device: findTestDevice(input.deviceId) ?? { id: input.deviceId, name: input.deviceId, active: false }, warnings: [] };
  const today = parisDate(ctx.now);
  const patient = patientColumns(input.patient, today);
  const sampledAt = instantOf(input.sampledAt);
  // A few minutes of clock skew between the professional's device and the server are tolerated.
  if (sampledAt.getTime() > ctx.now.getTime() + CLOCK_SKEW_MS) throw new AppError('ACTS_DATE_IN_FUTURE');
  checkActDay(parisDate(sampledAt), addDays(today, 1));
  const device = findTestDevice(input.deviceId);
  if (!device) throw new AppError('TESTS_DEVICE_UNKNOWN', { details: { deviceId: input.deviceId } });
  const outbox = outboxColumns(ctx, input, idempotencyKey);
  const recorded = await storeOnce(db, ctx, 'test_results', input, outbox, async (trx) => {
    const testId = await repo.insertTestResult(trx, {
      uvci: generateUvci({ country: 'FR' }),
      ...outbox.columns,
      test_type: input.testType,
      ...patient,
      sampled_at: sampledAt,
      result: input.result,
      device_id: device.id,
      place: input.place.trim(),
      professional_id: ctx.professional!.id,
      recorded_at: ctx.now,
      ...actZone(ctx.professional!.id, defaultPolicy['tests:record']),
    });
    // No health data in the audit: which act, not its result.
    if (testId) await recordAudit(trx, ctx, { action: 'tests.record', outcome: 'success', targetType: 'test_result', targetId: testId, details: { testType: input.testType, ...entryDetails(ctx, outbox) } });
    return testId;
  });
  return {
    ...recorded,
    device,
    warnings: device.active ? [] : ["Ce test n'est plus actif dans la liste européenne : le certificat pourrait être refusé à l'étranger."],
  };
}

export async function recordVaccination(db: Db, ctx: RequestContext, input: RecordVaccinationBody, idempotencyKey?: string) {
  const replay = await findReplay(db, ctx, 'vaccinations', input, idempotencyKey);
  const product = findVaccineProduct(input.product);
  if (replay) return { ...replay, product: { id: input.product, name: product?.name ?? input.product, manufacturerName: product?.manufacturerName ?? '' } };
  const today = parisDate(ctx.now);
  const patient = patientColumns(input.patient, today);
  if (!isValidIsoDate(input.vaccinatedOn)) throw new AppError('REQUEST_INVALID');
  checkActDay(input.vaccinatedOn, today);
  if (!product) throw new AppError('VACCINATIONS_PRODUCT_UNKNOWN', { details: { product: input.product } });
  if (input.doseNumber > input.seriesTotal) throw new AppError('VACCINATIONS_DOSE_INVALID');
  const outbox = outboxColumns(ctx, input, idempotencyKey);
  const recorded = await storeOnce(db, ctx, 'vaccinations', input, outbox, async (trx) => {
    const vaccinationId = await repo.insertVaccination(trx, {
      uvci: generateUvci({ country: 'FR' }),
      ...outbox.columns,
      ...patient,
      product: product.id,
      manufacturer: product.manufacturerId,
      prophylaxis: product.prophylaxis,
      dose_number: input.doseNumber,
      series_total: input.seriesTotal,
      vaccinated_on: input.vaccinatedOn,
      lot_number: input.lotNumber.toUpperCase(),
      place: input.place.trim(),
      professional_id: ctx.professional!.id,
      recorded_at: ctx.now,
      ...actZone(ctx.professional!.id, defaultPolicy['vaccinations:record']),
    });
    if (vaccinationId) await recordAudit(trx, ctx, { action: 'vaccinations.record', outcome: 'success', targetType: 'vaccination', targetId: vaccinationId, details: entryDetails(ctx, outbox) });
    return vaccinationId;
  });
  return { ...recorded, product: { id: product.id, name: product.name, manufacturerName: product.manufacturerName } };
}

/**
 * The COVID+ document of a positive test the professional recorded: a new long code each
 * time (a reprint replaces the earlier code), in a PDF printed for the patient.
 */
export async function createCovidPlusDocument(db: Db, codes: CodesDeps, ctx: RequestContext, testId: string) {
  const test = await repo.findTestOfProfessional(db, testId, ctx.professional!.id);
  if (!test) throw new AppError('TESTS_NOT_FOUND');
  if (test.result !== 'detected') throw new AppError('TESTS_NOT_POSITIVE');
  const longCode = await issueLongCode(codes, ctx, test.id);
  const device = test.device_id ? findTestDevice(test.device_id) : undefined;
  return renderCovidPlusDocument({
    patientName: `${test.given_name} ${test.family_name}`,
    birthDate: test.birth_date,
    sex: test.sex,
    sampledAt: test.sampled_at,
    testLabel: device ? `test antigénique ${device.name}` : 'test',
    place: test.place,
    longCode: longCode.code,
    deepLink: longCode.deepLink,
    codeExpiresAt: longCode.expiresAt,
  });
}
