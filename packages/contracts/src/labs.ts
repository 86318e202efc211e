import { Type, type Static } from 'typebox';
import { DepartmentCode, PlainText, Uuid } from './common.js';
import { Patient } from './acts.js';

export const CreateLabBody = Type.Object(
  {
    name: PlainText(),
    finess: Type.Optional(Type.String({ pattern: '^[0-9A-B]{9}$', description: 'FINESS number (9 characters)' })),
    department: Type.Optional(DepartmentCode("Where its results count in the statistics; by default the FINESS number's first two characters (metropolitan France)")),
  },
  { additionalProperties: false },
);
export const Lab = Type.Object({ id: Type.String(), name: Type.String(), finess: Type.Union([Type.String(), Type.Null()]), department: Type.Union([Type.String(), Type.Null()]) });
export const LabParams = Type.Object({ labId: Uuid });
export const LabKeyParams = Type.Object({ labId: Uuid, keyId: Uuid });
export const CreatedKey = Type.Object({
  keyId: Type.String(),
  apiKey: Type.String({ description: 'Shown once: only its hash is kept' }),
});
export const LabList = Type.Object({
  labs: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      finess: Type.Union([Type.String(), Type.Null()]),
      department: Type.Union([Type.String(), Type.Null()]),
      keys: Type.Array(Type.Object({ id: Type.String(), createdAt: Type.String(), revokedAt: Type.Union([Type.String(), Type.Null()]) })),
    }),
  ),
});

/** One RT-PCR result as a laboratory sends it. */
export const LabResult = Type.Object(
  {
    sampleId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$', description: "The laboratory's own sample id: a result is recorded once per lab and sample id" }),
    patient: Patient,
    sampledAt: Type.String({ format: 'date-time' }),
    result: Type.Union([Type.Literal('detected'), Type.Literal('not-detected')]),
  },
  { additionalProperties: false },
);
export type LabResult = Static<typeof LabResult>;

/** Items are checked one by one in the service, so the answer can name each faulty one. */
export const LabBatchBody = Type.Object({ results: Type.Array(Type.Unknown(), { minItems: 1 }) }, { additionalProperties: false });

export const LabBatchAnswer = Type.Object({
  created: Type.Integer(),
  duplicates: Type.Integer(),
  results: Type.Array(
    Type.Object({
      sampleId: Type.String(),
      status: Type.Union([Type.Literal('created'), Type.Literal('duplicate')]),
      id: Type.Union([Type.String(), Type.Null()]),
      retrievalCode: Type.Union([Type.String(), Type.Null()], { description: 'For the patient (created results only): print it on the result' }),
    }),
  ),
});
