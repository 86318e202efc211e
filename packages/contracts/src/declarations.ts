import { Type, type Static } from 'typebox';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (Europe/Paris calendar day)' });

export const Onset = Type.Union([
  Type.Object({ kind: Type.Literal('symptoms'), date: IsoDate }, { additionalProperties: false, description: 'Symptom onset date' }),
  Type.Object({ kind: Type.Literal('test'), date: IsoDate }, { additionalProperties: false, description: 'No symptoms: date of the positive test' }),
  Type.Object({ kind: Type.Literal('unknown') }, { additionalProperties: false, description: "Doesn't know" }),
]);
export type Onset = Static<typeof Onset>;

export const DeclareBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, description: 'The 6-character code (any case, spaces and dashes allowed)' }),
    onset: Onset,
  },
  { additionalProperties: false },
);
export type DeclareBody = Static<typeof DeclareBody>;

export const DeviceHeaders = Type.Object({
  'x-device-id': Type.Optional(Type.String({ description: 'A stable random identifier of the device (8-128 of A-Z a-z 0-9 _ -)' })),
});

export const Declared = Type.Object({
  uploadToken: Type.String({ description: 'The token of one ROBERT report (POST /api/robert/v1/report)' }),
  tokenExpiresAt: Type.String({ format: 'date-time' }),
  window: Type.Object({ from: IsoDate, to: IsoDate }, { description: 'Contacts seen on these days (inclusive) are shared' }),
});
export type Declared = Static<typeof Declared>;
