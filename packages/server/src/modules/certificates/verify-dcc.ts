import { describeSchemaErrors, validateDccSchema } from './dcc-schema.js';
import { DccError, STEP_ORDER, type StepName, type StepOutcome } from './dcc-error.js';
import { decodeBase45, inflateHc1, unprefixHc1 } from './hc1.js';
import { type CoseSign1, parseCoseSign1, verifyCoseSign1 } from './cose.js';
import { decodeCwtClaims, type CwtClaims } from './cwt.js';
import { type CertificateKind, checkKeyUsage, kindsOf } from './key-usage.js';
import type { TrustedSigner } from './trusted-signers.js';

export interface VerifyDccOptions {
  trustedSigners: readonly TrustedSigner[];
  /** Validation clock. */
  now: Date;
}

export interface VerifiedCertificate {
  kind: CertificateKind;
  dcc: unknown;
  /** Issuing country from the CWT `iss` claim ('' when absent). */
  issuer: string;
  /** ISO 8601 instants from the CWT `iat` and `exp` claims. */
  issuedAt: string;
  expiresAt: string;
  /** Base64 COSE key identifier of the signer. */
  kid: string;
}

export interface VerificationResult {
  valid: boolean;
  steps: Record<StepName, StepOutcome>;
  /** The first failed step, with a French message for the user. */
  reason?: { step: StepName; message: string };
  certificate?: VerifiedCertificate;
}

const formatDate = (seconds: number) =>
  new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', day: '2-digit', month: '2-digit', year: 'numeric' }).format(
    new Date(seconds * 1000),
  );

/** Step `expirationCheck`: `exp` not past and `iat` not in the future at the validation clock. */
export function checkExpiration(claims: Pick<CwtClaims, 'issuedAt' | 'expiresAt'>, now: Date): void {
  const nowSeconds = now.getTime() / 1000;
  if (claims.expiresAt === undefined) throw new DccError('expirationCheck', "La date d'expiration du certificat est absente.");
  if (claims.issuedAt !== undefined && claims.issuedAt > nowSeconds) {
    throw new DccError('expirationCheck', `Le certificat n'est pas encore valide : il est émis le ${formatDate(claims.issuedAt)}.`);
  }
  if (claims.expiresAt < nowSeconds) {
    throw new DccError('expirationCheck', `Le certificat a expiré le ${formatDate(claims.expiresAt)}.`);
  }
}

/** Step `schemaValidation`. */
export function checkDccSchema(dcc: unknown): void {
  if (!validateDccSchema(dcc)) {
    throw new DccError(
      'schemaValidation',
      `Le contenu ne respecte pas le schéma DCC : ${describeSchemaErrors(validateDccSchema.errors)}.`,
    );
  }
}

/**
 * Verifies an "HC1:" text (the content of an EU DCC QR code), step by step, stopping at the first
 * failure: later steps are reported 'skipped'. Pure: no I/O besides the schema loaded at start-up.
 */
export function verifyDcc(text: string, options: VerifyDccOptions): VerificationResult {
  const steps = Object.fromEntries(STEP_ORDER.map((step) => [step, 'skipped'])) as Record<StepName, StepOutcome>;
  let current: StepName = 'unprefix';
  const run = <T>(step: StepName, action: () => T): T => {
    current = step;
    const value = action();
    steps[step] = 'passed';
    return value;
  };

  try {
    const b45 = run('unprefix', () => unprefixHc1(text));
    const compressed = run('b45decode', () => decodeBase45(b45));
    const coseBytes = run('compression', () => inflateHc1(compressed));
    const cose: CoseSign1 = run('cose', () => parseCoseSign1(coseBytes));
    const claims = run('decode', () => decodeCwtClaims(cose.payload));
    const signer = run('verify', () => verifyCoseSign1(cose, options.trustedSigners));
    run('keyUsage', () => checkKeyUsage(signer.certificate, claims.dcc));
    run('expirationCheck', () => checkExpiration(claims, options.now));
    run('schemaValidation', () => checkDccSchema(claims.dcc));

    const [kind = 'vaccination'] = kindsOf(claims.dcc);
    const iso = (seconds: number | undefined) => (seconds === undefined ? '' : new Date(seconds * 1000).toISOString());
    return {
      valid: true,
      steps,
      certificate: {
        kind,
        dcc: claims.dcc,
        issuer: claims.issuer ?? '',
        issuedAt: iso(claims.issuedAt),
        expiresAt: iso(claims.expiresAt),
        kid: cose.kid.toString('base64'),
      },
    };
  } catch (error) {
    const reason =
      error instanceof DccError
        ? { step: error.step, message: error.message }
        : { step: current, message: 'Le certificat ne peut pas être vérifié.' };
    steps[reason.step] = 'failed';
    return { valid: false, steps, reason };
  }
}
