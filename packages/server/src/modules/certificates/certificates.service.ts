import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import { DAY, HOUR } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { addDays, formatIsoDate, formatParisDateTime, isValidIsoDate, parisDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { countHit } from '../../platform/rate-limit.js';
import { hashToken } from '../../platform/secrets.js';
import { findTestDevice, findVaccineProduct } from '../reference/reference.service.js';
import type { CertificateWorth } from '../verifier/verifier.service.js';
import * as repo from './certificates.repository.js';
import { buildRecoveryDcc, buildTestDcc, buildVaccinationDcc } from './dcc-payload.js';
import type { DocumentSigner } from './dcc-signer.js';
import { encodeDcc, renderDccQr } from './issue-dcc.js';
import { normalizeRetrievalCode } from '../../platform/retrieval-code.js';
import { generateUvci } from '../../platform/uvci.js';

export type CertificateKind = 'test' | 'vaccination' | 'recovery';

export interface CertificatesDeps {
  db: Db;
  signer: DocumentSigner;
  testValidityHours: number;
  recoveryFromDays: number;
  recoveryUntilDays: number;
  vaccinationValidityDays: number;
  retrievalLimitPerAddress: number;
  /** What a certificate is worth under the verifier's rules (verifier service). */
  assess: (input: { dcc: Record<string, unknown>; expiresAt: Date; at: Date }) => CertificateWorth;
}

type Act = NonNullable<Awaited<ReturnType<typeof repo.findActByRetrieval>>>;
type TestRow = (Act & { kind: 'test' })['test'];
type VaccinationRow = (Act & { kind: 'vaccination' })['vaccination'];


/**
 * The days a positive test gives a recovery certificate: from day `recoveryFromDays` to day
 * `recoveryUntilDays` after the sample (Paris dates), and the instants they start and end at:
 * midnight UTC, as the rules read dates (CertLogic).
 */
function recoveryDates(deps: CertificatesDeps, test: TestRow) {
  const firstPositive = parisDate(test.sampled_at);
  const validFrom = addDays(firstPositive, deps.recoveryFromDays);
  const validUntil = addDays(firstPositive, deps.recoveryUntilDays);
  return { firstPositive, validFrom, validUntil, startsAt: Date.parse(`${validFrom}T00:00:00Z`), endsAt: new Date(Date.parse(`${validUntil}T00:00:00Z`) + DAY) };
}

/**
 * Which certificates an act gives today: a negative test its test certificate until its validity
 * after the sample ends; a positive test its test certificate (a result, not a pass) and, from
 * day 11 to day 180, a recovery certificate (given by default then, automatically); a
 * vaccination its vaccination certificate.
 */
function certificatesOf(deps: CertificatesDeps, act: Act, now: Date): Array<{ kind: CertificateKind; availableFrom?: string }> {
  if (act.kind === 'vaccination') return [{ kind: 'vaccination' }];
  const { test } = act;
  if (test.result === 'not-detected') {
    return test.sampled_at.getTime() + deps.testValidityHours * HOUR > now.getTime() ? [{ kind: 'test' }] : [];
  }
  const { validFrom, startsAt, endsAt } = recoveryDates(deps, test);
  if (now.getTime() >= endsAt.getTime()) return [];
  return now.getTime() >= startsAt ? [{ kind: 'recovery' }, { kind: 'test' }] : [{ kind: 'test' }, { kind: 'recovery', availableFrom: validFrom }];
}

/**
 * The patient portal: the code printed on the patient's document plus their date of birth
 * give the EU Digital COVID Certificate of that act, signed now, with what it is worth today
 * under the verifier's rules. A wrong pair gets one answer.
 */
export async function retrieveCertificate(
  deps: CertificatesDeps,
  ctx: RequestContext,
  input: { retrievalCode: string; birthDate: string; kind?: CertificateKind },
) {
  const limit = await countHit(deps.db, `retrieve:ip:${ctx.ip}`, deps.retrievalLimitPerAddress, HOUR, ctx.now);
  if (!limit.allowed) throw new AppError('CERTIFICATES_RATE_LIMITED', { retryAfterSeconds: limit.retryAfterSeconds });
  const code = normalizeRetrievalCode(input.retrievalCode);
  const act = code && isValidIsoDate(input.birthDate) ? await repo.findActByRetrieval(deps.db, hashToken(code), input.birthDate) : undefined;
  if (!act) {
    await recordAudit(deps.db, ctx, { action: 'certificates.retrieve', outcome: 'failure' });
    throw new AppError('CERTIFICATES_NOT_FOUND');
  }
  const offered = certificatesOf(deps, act, ctx.now);
  if (offered.length === 0) throw new AppError('CERTIFICATES_EXPIRED');
  const wanted = input.kind ? offered.find((c) => c.kind === input.kind) : offered[0];
  if (!wanted) throw new AppError('CERTIFICATES_KIND_UNAVAILABLE');
  if (wanted.availableFrom) {
    throw new AppError('CERTIFICATES_RECOVERY_NOT_YET', { publicDetails: { availableFrom: wanted.availableFrom } });
  }

  let certificate;
  try {
    if (act.kind === 'vaccination') certificate = vaccinationCertificate(deps, ctx, act.vaccination);
    else if (wanted.kind === 'recovery') {
      const uvci = await repo.assignRecoveryUvci(deps.db, act.test.id, generateUvci({ country: 'FR' }));
      certificate = recoveryCertificate(deps, ctx, act.test, uvci);
    } else certificate = testCertificate(deps, ctx, act.test);
  } catch (error) {
    // The DCC rules (names transliterable to Latin letters, 80-character fields) refused what was recorded.
    if (error instanceof RangeError) throw new AppError('CERTIFICATES_NOT_ISSUABLE', { cause: error });
    throw error;
  }
  const targetId = act.kind === 'test' ? act.test.id : act.vaccination.id;
  await recordAudit(deps.db, ctx, { action: 'certificates.retrieve', outcome: 'success', targetType: wanted.kind, targetId });
  const { svg } = await renderDccQr(certificate.hc1);
  const { dcc, ...rest } = certificate;
  return {
    // `positive` is for the PDF; the JSON answer's schema leaves it out.
    ...rest,
    qrSvg: svg,
    worth: describeWorth(deps.assess({ dcc: dcc as unknown as Record<string, unknown>, expiresAt: new Date(certificate.expiresAt), at: ctx.now }), certificate),
    others: offered.filter((c) => c.kind !== wanted.kind).map((c) => ({ kind: c.kind, title: TITLES[c.kind], ...(c.availableFrom && { availableFrom: c.availableFrom }) })),
  };
}

const TITLES: Record<CertificateKind, string> = {
  test: 'Certificat de test',
  vaccination: 'Certificat de vaccination',
  recovery: 'Certificat de rétablissement',
};

/** What the portal says the certificate is worth today, in French, from the rules' verdict. */
function describeWorth(worth: CertificateWorth, certificate: { kind: CertificateKind; positive: boolean }) {
  const until = worth.validUntil ? ` jusqu'au ${formatParisDateTime(worth.validUntil)}` : '';
  let message: string;
  if (worth.valid) message = `Passe valide aujourd'hui selon les règles françaises${until}.`;
  else if (certificate.positive) {
    message = worth.validFrom
      ? `Résultat positif : ce certificat n'est pas un passe. Il vaudra preuve de rétablissement à partir du ${formatParisDateTime(worth.validFrom)}${until}.`
      : "Résultat positif : ce certificat n'est pas un passe.";
  } else if (worth.validFrom) message = `Pas encore un passe valide : il le sera à partir du ${formatParisDateTime(worth.validFrom)}${until}.`;
  else message = "Ce certificat n'est pas un passe valide aujourd'hui.";
  return {
    valid: worth.valid,
    message,
    ...(worth.reason && !worth.valid && { reason: worth.reason }),
    ...(worth.validFrom && { validFrom: worth.validFrom.toISOString() }),
    ...(worth.validUntil && { validUntil: worth.validUntil.toISOString() }),
  };
}

function person(row: { family_name: string; given_name: string; birth_date: string }) {
  return { familyName: row.family_name, givenName: row.given_name, dateOfBirth: row.birth_date };
}

/** Who the certificate is for, as the portal and the PDF show it. */
function holder(row: { family_name: string; given_name: string; birth_date: string }) {
  return { name: `${row.given_name} ${row.family_name}`, familyName: row.family_name, givenName: row.given_name, birthDate: formatIsoDate(row.birth_date) };
}

function testCertificate(deps: CertificatesDeps, ctx: RequestContext, test: TestRow) {
  const positive = test.result === 'detected';
  // A positive test's certificate serves as proof of recovery until day 180; a negative one's for its validity.
  const expiresAt = positive
    ? recoveryDates(deps, test).endsAt
    : new Date(test.sampled_at.getTime() + deps.testValidityHours * HOUR);
  const dcc = buildTestDcc({
    ...person(test),
    testType: test.test_type === 'rt-pcr' ? 'naat' : 'rat',
    ...(test.device_id ? { deviceId: test.device_id } : {}),
    sampledAt: test.sampled_at,
    result: test.result,
    facility: test.place,
    uvci: test.uvci!,
  });
  const device = test.device_id ? findTestDevice(test.device_id) : undefined;
  const testName = test.test_type === 'rt-pcr' ? 'RT-PCR' : test.test_type === 'antigen' ? 'antigénique' : 'antigénique (autotest supervisé)';
  const hc1 = encodeDcc(dcc, { signer: deps.signer, issuedAt: ctx.now, expiresAt, issuer: 'FR' });
  return {
    kind: 'test' as const,
    positive,
    dcc,
    hc1: hc1.text,
    uvci: test.uvci!,
    expiresAt: hc1.expiresAt.toISOString(),
    summary: {
      ...holder(test),
      title: positive ? `Résultat de test ${testName} : positif` : `Certificat de test ${testName} négatif`,
      titleEn: positive ? `${test.test_type === 'rt-pcr' ? 'RT-PCR' : 'Rapid antigen'} test result: positive` : `${test.test_type === 'rt-pcr' ? 'RT-PCR' : 'Rapid antigen'} test certificate, negative`,
      details: [
        { label: 'Résultat', labelEn: 'Test result', value: positive ? 'Positif (SARS-CoV-2 détecté)' : 'Négatif (non détecté)', valueEn: positive ? 'Positive (detected)' : 'Negative (not detected)' },
        { label: 'Prélèvement', labelEn: 'Sample collected', value: formatParisDateTime(test.sampled_at) },
        ...(device ? [{ label: 'Test', labelEn: 'Test device', value: device.name }] : []),
        { label: 'Lieu', labelEn: 'Testing centre', value: test.place },
      ],
    },
  };
}

function recoveryCertificate(deps: CertificatesDeps, ctx: RequestContext, test: TestRow, uvci: string) {
  const dates = recoveryDates(deps, test);
  const { firstPositive, validFrom, validUntil, endsAt } = dates;
  const dcc = buildRecoveryDcc({ ...person(test), firstPositive, validFrom, validUntil, uvci });
  const hc1 = encodeDcc(dcc, { signer: deps.signer, issuedAt: ctx.now, expiresAt: endsAt, issuer: 'FR' });
  return {
    kind: 'recovery' as const,
    positive: false,
    dcc,
    hc1: hc1.text,
    uvci,
    expiresAt: hc1.expiresAt.toISOString(),
    summary: {
      ...holder(test),
      title: 'Certificat de rétablissement',
      titleEn: 'Certificate of recovery',
      details: [
        { label: 'Premier test positif', labelEn: 'First positive test', value: formatIsoDate(dates.firstPositive) },
        { label: 'Valable du', labelEn: 'Valid from', value: formatIsoDate(dates.validFrom) },
        { label: "Valable jusqu'au", labelEn: 'Valid until', value: formatIsoDate(dates.validUntil) },
      ],
    },
  };
}

function vaccinationCertificate(deps: CertificatesDeps, ctx: RequestContext, vaccination: VaccinationRow) {
  const dcc = buildVaccinationDcc({
    ...person(vaccination),
    product: vaccination.product,
    doseNumber: vaccination.dose_number,
    seriesTotal: vaccination.series_total,
    date: vaccination.vaccinated_on,
    uvci: vaccination.uvci!,
  });
  // Issued when the vaccination was recorded: every retrieval gives the same expiry.
  const issuedAt = vaccination.recorded_at;
  const hc1 = encodeDcc(dcc, { signer: deps.signer, issuedAt, expiresAt: new Date(issuedAt.getTime() + deps.vaccinationValidityDays * DAY), issuer: 'FR' });
  return {
    kind: 'vaccination' as const,
    positive: false,
    dcc,
    hc1: hc1.text,
    uvci: vaccination.uvci!,
    expiresAt: hc1.expiresAt.toISOString(),
    summary: {
      ...holder(vaccination),
      title: 'Certificat de vaccination',
      titleEn: 'Vaccination certificate',
      details: [
        { label: 'Vaccin', labelEn: 'Vaccine', value: findVaccineProduct(vaccination.product)?.name ?? vaccination.product },
        { label: 'Dose', labelEn: 'Dose', value: `${vaccination.dose_number}/${vaccination.series_total}` },
        { label: 'Date', labelEn: 'Date of vaccination', value: formatIsoDate(vaccination.vaccinated_on) },
        { label: 'Lot', labelEn: 'Batch', value: vaccination.lot_number },
      ],
    },
  };
}
