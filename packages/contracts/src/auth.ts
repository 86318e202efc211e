import { Type, type Static } from 'typebox';

/** What a signed-in person may do: from their professions (policy table), or operator by configuration. */
export const RIGHTS = ['codes:issue', 'tests:record', 'vaccinations:record', 'operator'] as const;
export type Right = (typeof RIGHTS)[number];

export const MeResponse = Type.Object({
  idNatPs: Type.String(),
  givenName: Type.String(),
  familyName: Type.String(),
  professions: Type.Array(Type.Object({ code: Type.String(), label: Type.String() })),
  rights: Type.Array(Type.Enum(RIGHTS)),
  csrfToken: Type.String(),
  session: Type.Object({
    authMeans: Type.Union([Type.String(), Type.Null()]),
    idleExpiresAt: Type.String({ format: 'date-time' }),
    absoluteExpiresAt: Type.String({ format: 'date-time' }),
  }),
});
export type MeResponse = Static<typeof MeResponse>;

export const LoginQuery = Type.Object(
  { returnTo: Type.Optional(Type.String({ maxLength: 500, pattern: '^/[\\x21-\\x7e]*$', description: 'A path of this site' })) },
  { additionalProperties: false },
);

export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2000 })),
  state: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
  iss: Type.Optional(Type.String({ maxLength: 500 })),
  session_state: Type.Optional(Type.String({ maxLength: 500 })),
});
