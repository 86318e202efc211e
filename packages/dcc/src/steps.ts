/**
 * Verification steps of an EU Digital COVID Certificate, in the order they run. The names of
 * the technical steps follow the official test-vector flags (dcc-testdata `EXPECTEDRESULTS`,
 * see `OFFICIAL_FLAG_STEPS`); `signerValidity` has no flag (the member states' vectors were
 * made with clocks outside their signers' validity), and `rules` is the business rules of the
 * country of verification.
 */
export const STEP_ORDER = [
  'unprefix', // "HC1:" context identifier
  'b45decode', // Base45 text -> bytes
  'compression', // zlib inflate
  'cose', // COSE_Sign1 structure and headers (kid, alg)
  'decode', // CBOR Web Token claims and the DCC payload (-260 / 1)
  'verify', // signature against a trusted Document Signer Certificate
  'keyUsage', // signer's extended key usage allows this certificate type
  'expirationCheck', // exp / iat against the validation clock
  'signerValidity', // the signer's certificate valid at the validation clock, and the DCC within its validity
  'schemaValidation', // DCC JSON schema of the version the payload declares
  'rules', // business rules (CertLogic) of the country of verification, value sets included
] as const;

export type StepName = (typeof STEP_ORDER)[number];
export type StepOutcome = 'passed' | 'failed' | 'skipped';

/** Official dcc-testdata flag -> step that decides it. */
export const OFFICIAL_FLAG_STEPS = {
  EXPECTEDUNPREFIX: 'unprefix',
  EXPECTEDB45DECODE: 'b45decode',
  EXPECTEDCOMPRESSION: 'compression',
  EXPECTEDDECODE: 'decode',
  EXPECTEDVERIFY: 'verify',
  EXPECTEDKEYUSAGE: 'keyUsage',
  EXPECTEDEXPIRATIONCHECK: 'expirationCheck',
  EXPECTEDSCHEMAVALIDATION: 'schemaValidation',
} as const satisfies Record<string, StepName>;

/** French labels of the steps, for the detailed view. */
export const STEP_LABELS: Record<StepName, string> = {
  unprefix: 'Préfixe HC1',
  b45decode: 'Décodage Base45',
  compression: 'Décompression',
  cose: 'Structure COSE',
  decode: 'Contenu CBOR',
  verify: 'Signature',
  keyUsage: 'Usage de la clé',
  expirationCheck: 'Validité du certificat (dates)',
  signerValidity: 'Validité du signataire',
  schemaValidation: 'Schéma DCC',
  rules: 'Règles du pays de vérification',
};

/** A verification failure: the step that failed and a French message for the user. */
export class DccError extends Error {
  override readonly name = 'DccError';
  constructor(
    readonly step: StepName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
