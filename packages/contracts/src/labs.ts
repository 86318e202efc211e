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
    longCode: Type.Optional(
      Type.String({
        maxLength: 32,
        description:
          "A positive result only: one of this lab's long codes (POST /api/labs/v1/long-codes), unused and unexpired, printed on the patient's COVID+ document; attached to this result, it lets the patient declare in the app",
      }),
    ),
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
      id: Type.Union([Type.String(), Type.Null()], { description: 'The stored result (a duplicate: the one recorded the first time)' }),
      retrievalCode: Type.Union([Type.String(), Type.Null()], {
        description:
          'For the patient: print it on the result. A duplicate (the batch sent again) gets the code given the first time, while it is kept (LAB_RETRIEVAL_REPLAY_DAYS); null for results older than that or recorded before replays existed',
      }),
    }),
  ),
});

/** At most this many long codes per request (docs/domain.md, Numbers). */
export const LAB_LONG_CODES_MAX_PER_REQUEST = 40_000;

export const LongCodesBody = Type.Object(
  { count: Type.Integer({ minimum: 1, description: `How many long codes, 1 to ${LAB_LONG_CODES_MAX_PER_REQUEST} (more: 413)` }) },
  { additionalProperties: false },
);
export type LongCodesBody = Static<typeof LongCodesBody>;

export const LongCodesHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_.:-]{8,100}$',
      description: 'Chosen by the lab per request: the same request sent again within 24 hours gets the same codes back, not new ones',
    }),
  ),
});

/** The JSON form of a batch of long codes (the CSV form has one line per code, with the same values). */
export const LongCodesAnswer = Type.Object({
  batchId: Type.String(),
  count: Type.Integer(),
  validFrom: Type.String({ format: 'date-time' }),
  validUntil: Type.String({ format: 'date-time', description: 'An unused code expires then: it can no longer be attached nor used' }),
  remainingToday: Type.Integer({ description: "Long codes this lab may still request today (Europe/Paris day)" }),
  codes: Type.Array(
    Type.Object({
      qrText: Type.String({ description: 'What the QR code on the COVID+ document holds: the app link with the code' }),
      code: Type.String({ description: '12 characters (Crockford Base32), to print for typing; shown once, only its HMAC is kept' }),
    }),
  ),
});
export type LongCodesAnswer = Static<typeof LongCodesAnswer>;
