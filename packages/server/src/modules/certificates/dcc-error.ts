/**
 * Verification steps of an EU Digital COVID Certificate, in the order they run.
 * Names follow the official test-vector flags (dcc-testdata `EXPECTEDRESULTS`):
 * see `OFFICIAL_FLAG_STEPS`.
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
  'schemaValidation', // DCC JSON schema 1.3.x
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
