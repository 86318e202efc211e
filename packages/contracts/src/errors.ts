import { Type, type Static } from 'typebox';

/** Every refusal and failure of the API answers this body, with a French `message` for people. */
export const ErrorAnswer = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'Stable MODULE_REASON code, for programs' }),
    message: Type.String({ description: 'French, for people' }),
    requestId: Type.String({ description: 'Quote it to the support: it finds the log entry' }),
    details: Type.Optional(Type.Unknown({ description: 'REQUEST_INVALID: the fields refused, each { path (JSON pointer), message }' })),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 0, description: '429 and 503: as the Retry-After header' })),
  }),
});
export type ErrorAnswer = Static<typeof ErrorAnswer>;
