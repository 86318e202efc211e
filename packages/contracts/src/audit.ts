import { Type, type Static } from 'typebox';

export const AUDIT_PAGE_MAX = 500;
/** The most lines one CSV export holds (the export says when it stopped there). */
export const AUDIT_EXPORT_MAX = 50_000;

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ pattern: '^(8[0-9]{11}|0[0-9]{9})$', description: 'IdNat_PS of the professional who acted: 8 + RPPS (11 digits) or 0 + ADELI (9 digits)' })),
    action: Type.Optional(Type.String({ pattern: '^[a-z][a-z_]*(\\.[a-z_]+)*(\\.\\*)?$', maxLength: 80, description: 'An action ("tests.record"), or a family ending in .* ("tests.*")' })),
    outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')])),
    targetType: Type.Optional(Type.String({ pattern: '^[a-z_]{1,40}$' })),
    targetId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_:.-]{1,100}$' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'From this instant, inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Before this instant' })),
    before: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'The `next` of the previous page: entries older than it' })),
    // A query string is text: 1 to 500, written as digits.
    limit: Type.Optional(Type.String({ pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', description: `Entries per page, 1 to ${AUDIT_PAGE_MAX} (100 by default)` })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  occurredAt: Type.String({ format: 'date-time' }),
  actorType: Type.String({ description: 'professional, anonymous (a lab, a patient, a machine) or system' }),
  actor: Type.Union([Type.Object({ idNatPs: Type.String(), name: Type.String() }), Type.Null()]),
  action: Type.String(),
  outcome: Type.String(),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown(), { description: 'Identifiers, reasons, counts: never health data' }),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditPage = Type.Object({
  entries: Type.Array(AuditEntry, { description: 'Newest first' }),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `before` for the next page; null on the last one' }),
});
export type AuditPage = Static<typeof AuditPage>;
