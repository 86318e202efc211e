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
  uploadToken: Type.String({ description: 'Bearer token for one contact upload' }),
  tokenExpiresAt: Type.String({ format: 'date-time' }),
  window: Type.Object({ from: IsoDate, to: IsoDate }, { description: 'Contacts seen on these days (inclusive) are shared' }),
});
export type Declared = Static<typeof Declared>;

export const Contact = Type.Object(
  {
    ephemeralId: Type.String({ pattern: '^[A-Za-z0-9+/]{6,88}={0,2}$', description: 'Base64 ephemeral Bluetooth identifier heard' }),
    seenAt: Type.String({ format: 'date-time' }),
    durationSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
    rssi: Type.Integer({ minimum: -127, maximum: 20 }),
  },
  { additionalProperties: false },
);
export type Contact = Static<typeof Contact>;

/** 14 days of 15-minute epochs with a crowd around: generous, yet bounded. */
export const MAX_CONTACTS = 50_000;

export const UploadContactsBody = Type.Object(
  { contacts: Type.Array(Contact, { maxItems: MAX_CONTACTS }) },
  { additionalProperties: false },
);
export type UploadContactsBody = Static<typeof UploadContactsBody>;

export const UploadHeaders = Type.Object({ authorization: Type.Optional(Type.String()) });

export const Uploaded = Type.Object({
  accepted: Type.Integer(),
  rejectedOutsideWindow: Type.Integer(),
});
export type Uploaded = Static<typeof Uploaded>;
