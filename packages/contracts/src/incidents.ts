import { Type, type Static } from 'typebox';
import { PlainText, Uuid } from './common.js';

/** An incident is often declared after the fact, but not months later. */
export const MAX_INCIDENT_BACKDATE_DAYS = 30;
/** A planned end (maintenance window) may be set ahead, within reason. */
export const MAX_INCIDENT_PLANNED_END_DAYS = 30;
/** The operator's message under the banner. */
export const INCIDENT_MESSAGE_MAX_LENGTH = 500;

export const IncidentComponent = Type.Union([Type.Literal('psc'), Type.Literal('tests-portal'), Type.Literal('vaccination-portal')]);
export type IncidentComponent = Static<typeof IncidentComponent>;

/** What people read in banners and on the operator page. */
export const componentLabels = {
  psc: 'Pro Santé Connect',
  'tests-portal': 'Saisie des tests (SI-DEP)',
  'vaccination-portal': 'Saisie des vaccinations (Vaccin Covid)',
} as const;

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Hours = Type.Integer({ minimum: 1, maximum: 72, description: 'Validity of provisional test attestations during the incident' });
const Message = PlainText(INCIDENT_MESSAGE_MAX_LENGTH);

const incidentFields = {
  id: Type.String(),
  component: IncidentComponent,
  componentLabel: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  endedAt: Nullable(Type.String({ format: 'date-time' })),
  testAttestationHours: Type.Integer(),
  message: Nullable(Type.String()),
  source: Type.Union([Type.Literal('operator'), Type.Literal('automatic')]),
};
export const Incident = Type.Object(incidentFields);
export type Incident = Static<typeof Incident>;

export const CurrentIncidents = Type.Object({
  incidents: Type.Array(Incident),
  defaultTestAttestationHours: Type.Integer({ description: 'Validity of a provisional test attestation when no open incident sets one' }),
});
export type CurrentIncidents = Static<typeof CurrentIncidents>;

export const IncidentHistoryEntry = Type.Object({
  ...incidentFields,
  declaredBy: Type.Union([Type.Object({ givenName: Type.String(), familyName: Type.String() }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type IncidentHistoryEntry = Static<typeof IncidentHistoryEntry>;
export const IncidentHistory = Type.Object({ incidents: Type.Array(IncidentHistoryEntry) });
export const HistoryQuery = Type.Object(
  { since: Type.Optional(Type.String({ format: 'date-time', description: 'Incidents started or still open since then (default: the last 100)' })) },
  { additionalProperties: false },
);

export const DeclareIncidentBody = Type.Object(
  {
    component: IncidentComponent,
    startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now; at most 30 days back' })),
    endedAt: Type.Optional(Type.String({ format: 'date-time' })),
    testAttestationHours: Type.Optional(Hours),
    message: Type.Optional(Message),
  },
  { additionalProperties: false },
);
export type DeclareIncidentBody = Static<typeof DeclareIncidentBody>;

export const UpdateIncidentBody = Type.Object(
  {
    endedAt: Type.Optional(Type.String({ format: 'date-time' })),
    testAttestationHours: Type.Optional(Hours),
    message: Type.Optional(Type.Union([Message, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateIncidentBody = Static<typeof UpdateIncidentBody>;

export const CloseIncidentBody = Type.Object(
  { endedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })) },
  { additionalProperties: false },
);

export const IncidentParams = Type.Object({ id: Uuid });
