import { Type } from 'typebox';

export const RetrieveBody = Type.Object(
  {
    retrievalCode: Type.String({ minLength: 1, maxLength: 40, description: 'The code printed on the result or vaccination document' }),
    birthDate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' }),
  },
  { additionalProperties: false },
);

export const RetrievedCertificate = Type.Object({
  kind: Type.Union([Type.Literal('test'), Type.Literal('vaccination')]),
  hc1: Type.String({ description: 'The QR code content (HC1:…)' }),
  qrSvg: Type.String(),
  uvci: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  summary: Type.Object({
    name: Type.String(),
    birthDate: Type.String(),
    title: Type.String({ description: 'French: what the certificate attests' }),
    details: Type.Array(Type.Object({ label: Type.String(), value: Type.String() })),
  }),
});

export const VerifyBody = Type.Object({ hc1: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false });

const StepOutcome = Type.Union([Type.Literal('passed'), Type.Literal('failed'), Type.Literal('skipped')]);
export const VerifyAnswer = Type.Object({
  valid: Type.Boolean(),
  steps: Type.Record(Type.String(), StepOutcome),
  reason: Type.Optional(Type.Object({ step: Type.String(), message: Type.String() })),
  certificate: Type.Optional(
    Type.Object({ kind: Type.String(), issuer: Type.String(), issuedAt: Type.String(), expiresAt: Type.String(), kid: Type.String(), dcc: Type.Unknown() }),
  ),
});
