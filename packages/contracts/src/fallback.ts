import { Type, type Static } from 'typebox';

/** At least this many characters (code points): the second channel's password. */
export const PASSWORD_MIN_LENGTH = 12;

export const FallbackSignInBody = Type.Object(
  {
    idNatPs: Type.String({ pattern: '^(8\\d{11}|0\\d{9})$', description: 'IdNat_PS (RPPS 8 + 11 digits, or ADELI 0 + 9 digits)' }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
    totpCode: Type.String({ pattern: '^\\d{6}$', description: 'Current 6-digit code of the authenticator app' }),
    returnTo: Type.Optional(Type.String({ maxLength: 500, pattern: '^/[\\x21-\\x7e]*$', description: 'A path of this site' })),
  },
  { additionalProperties: false },
);

export const FallbackSignInResponse = Type.Object({ ok: Type.Literal(true), returnTo: Type.String() });
export type FallbackSignInResponse = Static<typeof FallbackSignInResponse>;

const FallbackMode = Type.Union([Type.Literal('incident'), Type.Literal('always'), Type.Literal('never')]);
export type FallbackMode = Static<typeof FallbackMode>;

export const FallbackChannelStatus = Type.Object({
  open: Type.Boolean({ description: 'Whether the second channel accepts sign-ins now' }),
  mode: FallbackMode,
});
export type FallbackChannelStatus = Static<typeof FallbackChannelStatus>;

export const FallbackEnrollment = Type.Object({
  secret: Type.String({ description: 'Base32 TOTP secret, for manual entry' }),
  otpauthUri: Type.String({ description: 'otpauth:// URI to show as a QR code' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
export type FallbackEnrollment = Static<typeof FallbackEnrollment>;

export const FallbackActivationBody = Type.Object(
  {
    password: Type.String({ maxLength: 256 }),
    totpCode: Type.String({ pattern: '^\\d{6}$' }),
  },
  { additionalProperties: false },
);

export const FallbackAccountStatus = Type.Object({
  enrolled: Type.Boolean(),
  enrolledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  signInMode: FallbackMode,
});
export type FallbackAccountStatus = Static<typeof FallbackAccountStatus>;
