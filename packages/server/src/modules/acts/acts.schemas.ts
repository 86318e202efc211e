import { Type, type Static } from 'typebox';
import { PlainText } from '../../platform/schemas.js';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

export const Patient = Type.Object(
  {
    familyName: PlainText(),
    givenName: PlainText(),
    birthDate: IsoDate,
    sex: Type.Union([Type.Literal('F'), Type.Literal('M'), Type.Literal('U')], { description: 'F, M, or U (unspecified)' }),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9 .-]{6,20}$' })),
  },
  { additionalProperties: false },
);
export type Patient = Static<typeof Patient>;

export const RecordTestBody = Type.Object(
  {
    patient: Patient,
    testType: Type.Union([Type.Literal('antigen'), Type.Literal('supervised-self-test')]),
    sampledAt: Type.String({ format: 'date-time' }),
    result: Type.Union([Type.Literal('detected'), Type.Literal('not-detected')]),
    deviceId: Type.String({ minLength: 1, maxLength: 20, description: 'Key of the EU list (test-manf)' }),
    place: PlainText(),
  },
  { additionalProperties: false },
);
export type RecordTestBody = Static<typeof RecordTestBody>;

const RetrievalCode = Type.String({ description: "Printed for the patient: with the date of birth, it opens the certificate on the patient portal. Shown once." });

export const RecordedTest = Type.Object({
  id: Type.String(),
  recordedAt: Type.String({ format: 'date-time' }),
  retrievalCode: RetrievalCode,
  device: Type.Object({ id: Type.String(), name: Type.String(), active: Type.Boolean() }),
  warnings: Type.Array(Type.String()),
});

export const RecordVaccinationBody = Type.Object(
  {
    patient: Patient,
    product: Type.String({ minLength: 1, maxLength: 60, description: 'Key of the EU vaccine-medicinal-product value set' }),
    doseNumber: Type.Integer({ minimum: 1, maximum: 9 }),
    seriesTotal: Type.Integer({ minimum: 1, maximum: 9 }),
    vaccinatedOn: IsoDate,
    lotNumber: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9./-]{1,29}$', description: 'As printed on the vial' }),
    place: PlainText(),
  },
  { additionalProperties: false },
);
export type RecordVaccinationBody = Static<typeof RecordVaccinationBody>;

export const RecordedVaccination = Type.Object({
  id: Type.String(),
  recordedAt: Type.String({ format: 'date-time' }),
  retrievalCode: RetrievalCode,
  product: Type.Object({ id: Type.String(), name: Type.String(), manufacturerName: Type.String() }),
});
