import { Type, type Static } from 'typebox';

export const CaseKind = Type.Union([Type.Literal('confirmed'), Type.Literal('probable')], {
  description: 'confirmed: positive RT-PCR; probable: clinical and chest CT signs',
});

export const IssueCodeBody = Type.Object(
  {
    caseKind: CaseKind,
    qrCodeUnavailable: Type.Optional(
      Type.Boolean({ description: "Confirmed case: the patient's SI-DEP QR code is unavailable or not working and will not be used in parallel" }),
    ),
    resultRetrievalCode: Type.Optional(
      Type.String({ maxLength: 40, description: "Confirmed case: the code printed on the patient's result; that result's COVID+ long code then stops working" }),
    ),
  },
  { additionalProperties: false },
);
export type IssueCodeBody = Static<typeof IssueCodeBody>;

export const IssuedCode = Type.Object({
  code: Type.String({ description: 'Six characters, shown once' }),
  codeForDictation: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  deepLink: Type.String({ description: 'Opens the declaration in the app with the code filled in' }),
});
export type IssuedCode = Static<typeof IssuedCode>;

export const CodeHistory = Type.Object({
  codes: Type.Array(
    Type.Object({
      id: Type.String(),
      issuedAt: Type.String({ format: 'date-time' }),
      caseKind: CaseKind,
      status: Type.Union([Type.Literal('pending'), Type.Literal('used'), Type.Literal('expired')]),
      expiresAt: Type.String({ format: 'date-time' }),
      usedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  ),
});
export type CodeHistory = Static<typeof CodeHistory>;
