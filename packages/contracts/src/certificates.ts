import { Type, type Static } from 'typebox';

const Kind = Type.Union([Type.Literal('test'), Type.Literal('vaccination'), Type.Literal('recovery')]);

export const RetrieveBody = Type.Object(
  {
    retrievalCode: Type.String({ minLength: 1, maxLength: 40, description: 'The code printed on the result or vaccination document' }),
    birthDate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' }),
    kind: Type.Optional(
      Type.Union([Type.Literal('test'), Type.Literal('vaccination'), Type.Literal('recovery')], {
        description: 'Which certificate of the act (default: the most useful today: recovery from day 11 after a positive test, else the act’s own)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RetrievedCertificate = Type.Object({
  kind: Kind,
  hc1: Type.String({ description: 'The QR code content (HC1:…)' }),
  qrSvg: Type.String(),
  uvci: Type.String(),
  expiresAt: Type.String({ format: 'date-time', description: 'Expiry of the signed certificate (CWT exp), not the validity of a pass' }),
  summary: Type.Object({
    name: Type.String(),
    familyName: Type.String(),
    givenName: Type.String(),
    birthDate: Type.String({ description: 'DD/MM/YYYY' }),
    title: Type.String({ description: 'French: what the certificate attests' }),
    titleEn: Type.String(),
    details: Type.Array(
      Type.Object({ label: Type.String(), labelEn: Type.String(), value: Type.String(), valueEn: Type.Optional(Type.String({ description: 'When the value itself is French' })) }),
    ),
  }),
  worth: Type.Object(
    {
      valid: Type.Boolean({ description: 'A valid pass now, under the verifier’s rules' }),
      message: Type.String({ description: 'French: what it is worth today' }),
      reason: Type.Optional(Type.String({ description: 'French: the rule it does not meet today' })),
      validFrom: Type.Optional(Type.String({ format: 'date-time' })),
      validUntil: Type.Optional(Type.String({ format: 'date-time' })),
    },
    { description: 'What the certificate is worth today under the rules of the country of verification' },
  ),
  others: Type.Array(
    Type.Object({ kind: Kind, title: Type.String(), availableFrom: Type.Optional(Type.String({ description: 'YYYY-MM-DD, when it is not available yet' })) }),
    { description: 'The other certificates this act gives' },
  ),
});
export type RetrievedCertificate = Static<typeof RetrievedCertificate>;
