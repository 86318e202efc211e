import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import type { RequestContext } from '../../platform/context.js';
import { addDays, daysBetween, isPlausibleBirthDate, isValidIsoDate, parisDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { hashToken } from '../../platform/secrets.js';
import { generateRetrievalCode } from '../certificates/retrieval-code.js';
import { generateUvci } from '../certificates/uvci.js';
import { findTestDevice, findVaccineProduct } from '../reference/value-sets.js';
import * as repo from './acts.repository.js';
import { issueLongCode, type CodesDeps } from '../codes/codes.service.js';
import { renderCovidPlusDocument } from './covid-plus-document.js';
import type { Patient, RecordTestBody, RecordVaccinationBody } from './acts.schemas.js';

/** Acts entered after the fact (DOMAIN.md §4) may be a few weeks old, no more. */
const MAX_AGE_DAYS = 30;

function patientColumns(patient: Patient, today: string) {
  if (!isPlausibleBirthDate(patient.birthDate, today)) {
    throw new AppError('ACTS_BIRTH_DATE_INVALID');
  }
  return {
    family_name: patient.familyName.trim(),
    given_name: patient.givenName.trim(),
    birth_date: patient.birthDate,
    sex: patient.sex,
    email: patient.email?.trim() || null,
    phone: patient.phone?.trim() || null,
  };
}

function checkActDay(day: string, today: string): void {
  if (day > today) throw new AppError('ACTS_DATE_IN_FUTURE');
  if (daysBetween(day, today) > MAX_AGE_DAYS) throw new AppError('ACTS_DATE_TOO_OLD');
}

/** A rapid antigen test or supervised self-test, entered by a professional. */
export async function recordTest(db: Db, ctx: RequestContext, input: RecordTestBody) {
  const today = parisDate(ctx.now);
  const patient = patientColumns(input.patient, today);
  const sampledAt = new Date(input.sampledAt);
  // A few minutes of clock skew between the professional's device and the server are tolerated.
  if (sampledAt.getTime() > ctx.now.getTime() + 5 * 60_000) throw new AppError('ACTS_DATE_IN_FUTURE');
  checkActDay(parisDate(sampledAt), addDays(today, 1));
  const device = findTestDevice(input.deviceId);
  if (!device) throw new AppError('TESTS_DEVICE_UNKNOWN', { details: { deviceId: input.deviceId } });
  const retrievalCode = generateRetrievalCode();
  const id = await db.transaction().execute(async (trx) => {
    const testId = await repo.insertTestResult(trx, {
      uvci: generateUvci({ country: 'FR' }),
      retrieval_hash: hashToken(retrievalCode),
      test_type: input.testType,
      ...patient,
      sampled_at: sampledAt,
      result: input.result,
      device_id: device.id,
      place: input.place.trim(),
      professional_id: ctx.professional!.id,
      recorded_at: ctx.now,
    });
    // No health data in the audit: which act, not its result.
    await recordAudit(trx, ctx, { action: 'tests.record', outcome: 'success', targetType: 'test_result', targetId: testId, details: { testType: input.testType } });
    return testId;
  });
  return {
    id,
    recordedAt: ctx.now.toISOString(),
    retrievalCode,
    device,
    warnings: device.active ? [] : ["Ce test n'est plus actif dans la liste européenne : le certificat pourrait être refusé à l'étranger."],
  };
}

export async function recordVaccination(db: Db, ctx: RequestContext, input: RecordVaccinationBody) {
  const today = parisDate(ctx.now);
  const patient = patientColumns(input.patient, today);
  if (!isValidIsoDate(input.vaccinatedOn)) throw new AppError('REQUEST_INVALID');
  checkActDay(input.vaccinatedOn, today);
  const product = findVaccineProduct(input.product);
  if (!product) throw new AppError('VACCINATIONS_PRODUCT_UNKNOWN', { details: { product: input.product } });
  if (input.doseNumber > input.seriesTotal) throw new AppError('VACCINATIONS_DOSE_INVALID');
  const retrievalCode = generateRetrievalCode();
  const id = await db.transaction().execute(async (trx) => {
    const vaccinationId = await repo.insertVaccination(trx, {
      uvci: generateUvci({ country: 'FR' }),
      retrieval_hash: hashToken(retrievalCode),
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
    });
    await recordAudit(trx, ctx, { action: 'vaccinations.record', outcome: 'success', targetType: 'vaccination', targetId: vaccinationId });
    return vaccinationId;
  });
  return { id, recordedAt: ctx.now.toISOString(), retrievalCode, product: { id: product.id, name: product.name, manufacturerName: product.manufacturerName } };
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
    sampledAt: test.sampled_at,
    testLabel: device ? `test antigénique ${device.name}` : 'test',
    place: test.place,
    longCode: longCode.code,
    deepLink: longCode.deepLink,
    codeExpiresAt: longCode.expiresAt,
  });
}
