import type { Db } from '../../db/database.js';
import { recordAudit } from '../../platform/audit.js';
import { HOUR } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { formatIsoDate, formatParisDateTime, isValidIsoDate } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import { countHit } from '../../platform/rate-limit.js';
import { hashToken } from '../../platform/secrets.js';
import { findTestDevice, findVaccineProduct } from '../reference/value-sets.js';
import * as repo from './certificates.repository.js';
import { buildTestDcc, buildVaccinationDcc } from './dcc-payload.js';
import type { DocumentSigner } from './dcc-signer.js';
import { encodeDcc, renderDccQr } from './issue-dcc.js';
import { normalizeRetrievalCode } from './retrieval-code.js';
import type { TrustedSigner } from './trusted-signers.js';
import { verifyDcc } from './verify-dcc.js';

export interface CertificatesDeps {
  db: Db;
  signer: DocumentSigner;
  trustedSigners: readonly TrustedSigner[];
  testValidityHours: number;
  vaccinationValidityDays: number;
  retrievalLimitPerAddress: number;
}


/**
 * The patient portal: the code printed on the patient's document plus their date of birth
 * give the EU Digital COVID Certificate of that act, signed now. A wrong pair gets one answer.
 */
export async function retrieveCertificate(deps: CertificatesDeps, ctx: RequestContext, input: { retrievalCode: string; birthDate: string }) {
  const limit = await countHit(deps.db, `retrieve:ip:${ctx.ip}`, deps.retrievalLimitPerAddress, HOUR, ctx.now);
  if (!limit.allowed) throw new AppError('CERTIFICATES_RATE_LIMITED', { retryAfterSeconds: limit.retryAfterSeconds });
  const code = normalizeRetrievalCode(input.retrievalCode);
  const act = code && isValidIsoDate(input.birthDate) ? await repo.findActByRetrieval(deps.db, hashToken(code), input.birthDate) : undefined;
  if (!act) {
    await recordAudit(deps.db, ctx, { action: 'certificates.retrieve', outcome: 'failure' });
    throw new AppError('CERTIFICATES_NOT_FOUND');
  }
  if (act.kind === 'test' && act.test.sampled_at.getTime() + deps.testValidityHours * HOUR <= ctx.now.getTime()) {
    throw new AppError('CERTIFICATES_EXPIRED');
  }
  let certificate;
  try {
    certificate = act.kind === 'test' ? testCertificate(deps, ctx, act.test) : vaccinationCertificate(deps, ctx, act.vaccination);
  } catch (error) {
    // The DCC rules (names transliterable to Latin letters, 80-character fields) refused what was recorded.
    if (error instanceof RangeError) throw new AppError('CERTIFICATES_NOT_ISSUABLE', { cause: error });
    throw error;
  }
  await recordAudit(deps.db, ctx, { action: 'certificates.retrieve', outcome: 'success', targetType: act.kind, targetId: act.kind === 'test' ? act.test.id : act.vaccination.id });
  const { svg } = await renderDccQr(certificate.hc1);
  return { ...certificate, qrSvg: svg };
}

type TestRow = NonNullable<Awaited<ReturnType<typeof repo.findActByRetrieval>>> & { kind: 'test' };
type VaccinationRow = NonNullable<Awaited<ReturnType<typeof repo.findActByRetrieval>>> & { kind: 'vaccination' };

function testCertificate(deps: CertificatesDeps, ctx: RequestContext, test: TestRow['test']) {
  const expiresAt = new Date(test.sampled_at.getTime() + deps.testValidityHours * HOUR);
  const dcc = buildTestDcc({
    familyName: test.family_name,
    givenName: test.given_name,
    dateOfBirth: test.birth_date,
    testType: test.test_type === 'rt-pcr' ? 'naat' : 'rat',
    ...(test.device_id ? { deviceId: test.device_id } : {}),
    sampledAt: test.sampled_at,
    result: test.result,
    facility: test.place,
    uvci: test.uvci!,
  });
  const device = test.device_id ? findTestDevice(test.device_id) : undefined;
  return {
    kind: 'test' as const,
    hc1: encodeDcc(dcc, { signer: deps.signer, issuedAt: ctx.now, expiresAt, issuer: 'FR' }),
    uvci: test.uvci!,
    expiresAt: expiresAt.toISOString(),
    summary: {
      name: `${test.given_name} ${test.family_name}`,
      birthDate: formatIsoDate(test.birth_date),
      title: test.test_type === 'rt-pcr' ? 'Certificat de test RT-PCR' : 'Certificat de test antigénique',
      details: [
        { label: 'Résultat', value: test.result === 'detected' ? 'Positif (SARS-CoV-2 détecté)' : 'Négatif (non détecté)' },
        { label: 'Prélèvement', value: formatParisDateTime(test.sampled_at) },
        ...(device ? [{ label: 'Test', value: device.name }] : []),
        { label: 'Lieu', value: test.place },
      ],
    },
  };
}

function vaccinationCertificate(deps: CertificatesDeps, ctx: RequestContext, vaccination: VaccinationRow['vaccination']) {
  const dcc = buildVaccinationDcc({
    familyName: vaccination.family_name,
    givenName: vaccination.given_name,
    dateOfBirth: vaccination.birth_date,
    product: vaccination.product,
    doseNumber: vaccination.dose_number,
    seriesTotal: vaccination.series_total,
    date: vaccination.vaccinated_on,
    uvci: vaccination.uvci!,
  });
  const expiresAt = new Date(ctx.now.getTime() + deps.vaccinationValidityDays * 24 * HOUR);
  return {
    kind: 'vaccination' as const,
    hc1: encodeDcc(dcc, { signer: deps.signer, issuedAt: ctx.now, expiresAt, issuer: 'FR' }),
    uvci: vaccination.uvci!,
    expiresAt: expiresAt.toISOString(),
    summary: {
      name: `${vaccination.given_name} ${vaccination.family_name}`,
      birthDate: formatIsoDate(vaccination.birth_date),
      title: 'Certificat de vaccination',
      details: [
        { label: 'Vaccin', value: findVaccineProduct(vaccination.product)?.name ?? vaccination.product },
        { label: 'Dose', value: `${vaccination.dose_number}/${vaccination.series_total}` },
        { label: 'Date', value: formatIsoDate(vaccination.vaccinated_on) },
        { label: 'Lot', value: vaccination.lot_number },
      ],
    },
  };
}

/** The verifier: any "HC1:" text, checked step by step against the trusted signers. */
export function verifyCertificate(deps: CertificatesDeps, ctx: RequestContext, hc1: string) {
  const result = verifyDcc(hc1.trim(), { trustedSigners: deps.trustedSigners, now: ctx.now });
  return {
    valid: result.valid,
    steps: result.steps,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.certificate ? { certificate: { ...result.certificate } } : {}),
  };
}
