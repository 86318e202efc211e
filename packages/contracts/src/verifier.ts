import { Type } from 'typebox';

export const VerifyBody = Type.Object(
  {
    hc1: Type.String({ minLength: 1, maxLength: 10_000, description: 'The QR code content (HC1:…)' }),
    country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'Country of verification (default: the server’s, FR): whose rules apply' })),
    validationClock: Type.Optional(
      Type.String({ format: 'date-time', maxLength: 40, description: 'Instant of the check (default: now), RFC 3339, years 2020 to 2100' }),
    ),
  },
  { additionalProperties: false },
);

const StepOutcome = Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped')]);

export const RuleOutcome = Type.Object({
  identifier: Type.String(),
  version: Type.String(),
  type: Type.Union([Type.Literal('Acceptance'), Type.Literal('Invalidation')]),
  certificateType: Type.String(),
  description: Type.String({ description: 'The rule, in French' }),
  result: Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('open')]),
});

export const VerifyAnswer = Type.Object({
  status: Type.Union([Type.Literal('valid'), Type.Literal('invalid'), Type.Literal('unverifiable')]),
  valid: Type.Boolean(),
  country: Type.String(),
  validationClock: Type.String({ format: 'date-time' }),
  steps: Type.Record(Type.String(), StepOutcome),
  reason: Type.Optional(
    Type.Object({
      step: Type.String(),
      message: Type.String({ description: 'Why, in French' }),
      rule: Type.Optional(Type.Object({ identifier: Type.String(), version: Type.String() })),
    }),
  ),
  certificate: Type.Optional(
    Type.Object({
      kind: Type.Union([Type.Literal('test'), Type.Literal('vaccination'), Type.Literal('recovery')]),
      issuer: Type.String(),
      issuedAt: Type.String(),
      expiresAt: Type.String(),
      kid: Type.String(),
      signer: Type.Object({
        country: Type.String(),
        commonName: Type.Optional(Type.String()),
        notBefore: Type.String(),
        notAfter: Type.String(),
        origin: Type.Union([Type.Literal('own'), Type.Literal('imported')]),
      }),
      dcc: Type.Unknown({ description: 'The DCC JSON (only once the signature is verified)' }),
    }),
  ),
  holder: Type.Optional(Type.Object({ familyName: Type.String(), givenName: Type.String(), birthDate: Type.String() })),
  rules: Type.Array(RuleOutcome),
});

export const GatewayEntry = Type.Object({
  kid: Type.String({ description: 'Base64 of the 8-byte key identifier' }),
  country: Type.String(),
  certificateType: Type.Literal('DSC'),
  rawData: Type.String({ description: 'Base64 DER of the certificate' }),
  thumbprint: Type.String({ description: 'Hex SHA-256 of the DER' }),
  timestamp: Type.String(),
  signature: Type.String({ description: 'Empty: these entries are not signed by a gateway' }),
});

export const CountryParams = Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$' }) });

export const ListsBundle = Type.Object({
  maxAgeHours: Type.Integer({ description: 'A verifier must not say "valid" with lists older than this' }),
  country: Type.String({ description: 'Default country of verification' }),
  countries: Type.Array(Type.String(), { description: 'Countries with rules' }),
  signers: Type.Array(Type.Intersect([GatewayEntry, Type.Object({ origin: Type.Union([Type.Literal('own'), Type.Literal('imported')]) })])),
  rules: Type.Array(Type.Unknown(), { description: 'Business rules, EU format' }),
  valueSets: Type.Array(Type.Unknown(), { description: 'EU value sets' }),
});
