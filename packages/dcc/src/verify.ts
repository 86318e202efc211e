import { decodeBase45 } from './base45.js';
import { bytesToBase64 } from './bytes.js';
import { parseCoseSign1, verifyCoseSign1, type SignerSource } from './cose.js';
import { decodeCwtClaims, type CwtClaims } from './cwt.js';
import { inflateHc1, unprefixHc1 } from './hc1.js';
import { assessPass } from './pass-period.js';
import type { BusinessRule, RuleOutcome } from './rules.js';
import { checkDccSchema } from './schema.js';
import { checkKeyUsage, kindsOf, type CertificateKind, type TrustedSigner } from './signers.js';
import { DccError, STEP_ORDER, type StepName, type StepOutcome } from './steps.js';
import type { ValueSetCodes } from './value-sets.js';

/** What a verifier holds: the signers it trusts, the business rules and the value sets. */
export interface VerifierLists {
  signers: SignerSource;
  rules: readonly BusinessRule[];
  valueSets: ValueSetCodes;
}

export interface VerifyOptions {
  lists: VerifierLists;
  validationClock: Date;
  /** Country of verification, whose Acceptance rules apply (default FR). */
  country?: string;
  /** false: technical checks only (signature, dates, schema), as the official vectors test them. */
  applyRules?: boolean;
}

export interface Holder {
  familyName: string;
  givenName: string;
  /** As in the certificate: `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or empty. */
  birthDate: string;
}

export interface VerifiedCertificate {
  kind: CertificateKind;
  dcc: Record<string, unknown>;
  /** Issuing country from the CWT `iss` claim ('' when absent). */
  issuer: string;
  /** ISO 8601 instants from the CWT `iat` and `exp` claims ('' when absent). */
  issuedAt: string;
  expiresAt: string;
  /** Base64 COSE key identifier of the signer. */
  kid: string;
  signer: { country: string; commonName?: string; notBefore: string; notAfter: string; origin: TrustedSigner['origin'] };
}

export interface Verification {
  /**
   * valid: signature, dates, schema and every rule pass; invalid: one of them fails;
   * unverifiable: the certificate is sound but there is no rule for the country of verification.
   */
  status: 'valid' | 'invalid' | 'unverifiable';
  valid: boolean;
  steps: Record<StepName, StepOutcome>;
  /** The first failed step, with a French message; for rules, which rule. */
  reason?: { step: StepName; message: string; rule?: { identifier: string; version: string } };
  /** Present once the signature is verified. */
  certificate?: VerifiedCertificate;
  holder?: Holder;
  rules: RuleOutcome[];
}

const formatInstant = (date: Date) =>
  new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }).format(date);
const formatDay = (date: Date) =>
  new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' }).format(date);

/** Step `expirationCheck`: `exp` present and not past, `iat` not in the future, at the validation clock. */
export function checkExpiration(claims: Pick<CwtClaims, 'issuedAt' | 'expiresAt'>, now: Date): void {
  const fail = (message: string) => new DccError('expirationCheck', message);
  const nowSeconds = now.getTime() / 1000;
  if (claims.expiresAt === undefined) throw fail("La date d'expiration du certificat est absente.");
  if (claims.issuedAt !== undefined && claims.issuedAt > nowSeconds) {
    throw fail(`Le certificat n'est pas encore valide : il est émis le ${formatDay(new Date(claims.issuedAt * 1000))}.`);
  }
  if (claims.expiresAt < nowSeconds) throw fail(`Le certificat a expiré le ${formatDay(new Date(claims.expiresAt * 1000))}.`);
}

/**
 * Step `signerValidity`: the issuing country (iss) the signer's, its certificate valid at the
 * validation clock, the DCC signed (iat) within its validity, and not expiring (exp) after it.
 */
export function checkSignerValidity(claims: Pick<CwtClaims, 'issuedAt' | 'expiresAt' | 'issuer'>, signer: TrustedSigner, now: Date): void {
  const fail = (message: string) => new DccError('signerValidity', message);
  // A country signs only its own certificates: the issuer claim decides whose invalidation rules apply.
  const issuer = issuingCountry(claims);
  if (issuer && signer.country && issuer !== signer.country) {
    throw fail(`Le pays émetteur du certificat (${issuer}) n'est pas celui de son signataire (${signer.country}).`);
  }
  const { notBefore, notAfter } = signer.certificate;
  if (now < notBefore || now > notAfter) {
    throw fail(`Le certificat du signataire n'est pas valable à cette date (valable du ${formatDay(notBefore)} au ${formatDay(notAfter)}).`);
  }
  if (claims.issuedAt !== undefined && (claims.issuedAt * 1000 < notBefore.getTime() || claims.issuedAt * 1000 > notAfter.getTime())) {
    throw fail(`Le certificat a été émis (${formatInstant(new Date(claims.issuedAt * 1000))}) hors de la période de validité de son signataire.`);
  }
  if (claims.expiresAt !== undefined && claims.expiresAt * 1000 > notAfter.getTime()) {
    throw fail(`Le certificat expire (${formatDay(new Date(claims.expiresAt * 1000))}) après le certificat de son signataire (${formatDay(notAfter)}).`);
  }
}

/** The issuing country from `iss` when it is a two-letter code (some issuers wrote more, "CH BAG"). */
const issuingCountry = (claims: Pick<CwtClaims, 'issuer'>) => (claims.issuer !== undefined && /^[A-Z]{2}$/.test(claims.issuer) ? claims.issuer : undefined);

/** Control and format characters (a right-to-left override could make a name read as another): never shown. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;

function holderOf(dcc: Record<string, unknown>): Holder {
  const nam = (dcc.nam && typeof dcc.nam === 'object' ? dcc.nam : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value.replace(INVISIBLE, '') : '');
  return {
    familyName: text(nam.fn) || text(nam.fnt).replaceAll('<', ' '),
    givenName: text(nam.gn) || text(nam.gnt).replaceAll('<', ' '),
    birthDate: text(dcc.dob),
  };
}

const iso = (seconds: number | undefined) => (seconds === undefined || !Number.isFinite(seconds) ? '' : new Date(seconds * 1000).toISOString());

/**
 * Verifies an "HC1:" text (the content of an EU DCC QR code) step by step: decoding stops at its
 * first failure (later steps 'skipped'); the checks of a decoded certificate (signature, key
 * usage, dates, signer validity, schema) all run, the first failure in STEP_ORDER giving the
 * reason; the business rules of the country of verification at the validation clock follow
 * when all pass. The same code runs on the server and in the browser:
 * no I/O, WebCrypto for the signature.
 */
export async function verifyDcc(text: string, options: VerifyOptions): Promise<Verification> {
  const steps = Object.fromEntries(STEP_ORDER.map((step) => [step, 'skipped'])) as Record<StepName, StepOutcome>;
  const country = options.country ?? 'FR';
  const now = options.validationClock;
  let current: StepName = 'unprefix';
  let claims: CwtClaims | undefined;
  let kid = '';
  let signer: TrustedSigner | undefined;
  let rules: RuleOutcome[] = [];
  const pass = () => {
    steps[current] = 'passed';
  };
  // The content is shown only once its signature is known good: a forged pass shows nothing.
  const describe = (): Pick<Verification, 'certificate' | 'holder'> => {
    if (!claims || !signer) return {};
    const [kind = 'vaccination'] = kindsOf(claims.dcc);
    return {
      certificate: {
        kind,
        dcc: claims.dcc,
        issuer: claims.issuer ?? '',
        issuedAt: iso(claims.issuedAt),
        expiresAt: iso(claims.expiresAt),
        kid,
        signer: {
          country: signer.country,
          ...(signer.certificate.commonName !== undefined && { commonName: signer.certificate.commonName }),
          notBefore: signer.certificate.notBefore.toISOString(),
          notAfter: signer.certificate.notAfter.toISOString(),
          origin: signer.origin,
        },
      },
      holder: holderOf(claims.dcc),
    };
  };

  const fail = (error: unknown, step: StepName) => {
    steps[step] = 'failed';
    return error instanceof DccError ? { step: error.step, message: error.message } : { step, message: 'Le certificat ne peut pas être vérifié.' };
  };
  const invalid = (reason: NonNullable<Verification['reason']>): Verification => ({ status: 'invalid', valid: false, steps, reason, rules, ...describe() });

  // Decoding: each step needs the one before.
  let cose: ReturnType<typeof parseCoseSign1>;
  try {
    current = 'unprefix';
    const b45 = unprefixHc1(text);
    pass();
    current = 'b45decode';
    const compressed = decodeBase45(b45);
    pass();
    current = 'compression';
    const coseBytes = await inflateHc1(compressed);
    pass();
    current = 'cose';
    cose = parseCoseSign1(coseBytes);
    kid = bytesToBase64(cose.kid);
    pass();
    current = 'decode';
    claims = decodeCwtClaims(cose.payload);
    pass();
  } catch (error) {
    return invalid(fail(error, current));
  }

  // Checks of the decoded certificate: each is run and reported; the first failure is the reason.
  const failures: Array<NonNullable<Verification['reason']>> = [];
  const check = async (step: StepName, action: () => unknown) => {
    current = step;
    try {
      await action();
      pass();
    } catch (error) {
      failures.push(fail(error, step));
    }
  };
  const decoded = claims;
  await check('verify', async () => {
    signer = await verifyCoseSign1(cose, options.lists.signers, decoded.issuer);
  });
  if (signer) await check('keyUsage', () => checkKeyUsage(signer!.certificate, decoded.dcc));
  await check('expirationCheck', () => checkExpiration(decoded, now));
  if (signer) await check('signerValidity', () => checkSignerValidity(decoded, signer!, now));
  await check('schemaValidation', () => checkDccSchema(decoded.dcc));
  if (failures.length > 0) return invalid(failures[0]!);
  if (options.applyRules === false) return { status: 'valid', valid: true, steps, rules, ...describe() };

  current = 'rules';
  const issuerCountry = issuingCountry(decoded) ?? signer?.country;
  const assessment = assessPass(
    {
      dcc: decoded.dcc,
      rules: options.lists.rules,
      valueSets: options.lists.valueSets,
      country,
      ...(issuerCountry && { issuerCountry }),
      claims: {
        ...(decoded.expiresAt !== undefined && { exp: iso(decoded.expiresAt) }),
        ...(decoded.issuedAt !== undefined && { iat: iso(decoded.issuedAt) }),
        ...(decoded.issuer !== undefined && { issuerCountryCode: decoded.issuer }),
        kid,
      },
    },
    now,
  );
  if (assessment.noRules) {
    return {
      status: 'unverifiable',
      valid: false,
      steps,
      rules,
      reason: { step: 'rules', message: `Aucune règle de vérification n'est connue pour le pays ${country} à cette date : le passe ne peut pas être évalué.` },
      ...describe(),
    };
  }
  rules = assessment.outcomes;
  const broken = assessment.failed;
  if (broken) {
    steps.rules = 'failed';
    const message = broken.result === 'open' ? `La règle ${broken.identifier} n'a pas pu être évaluée sur ce certificat : ${broken.description}` : broken.description;
    return { status: 'invalid', valid: false, steps, rules, reason: { step: 'rules', message, rule: { identifier: broken.identifier, version: broken.version } }, ...describe() };
  }
  pass();
  return { status: 'valid', valid: true, steps, rules, ...describe() };
}
