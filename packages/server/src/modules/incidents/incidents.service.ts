import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { IncidentComponent } from '../../db/schema.js';
import { recordAudit, recordSystemAudit } from '../../platform/audit.js';
import { DAY, MINUTE } from '../../platform/clock.js';
import type { RequestContext } from '../../platform/context.js';
import { parseInstant } from '../../platform/dates.js';
import { AppError } from '../../platform/errors.js';
import * as repo from './incidents.repository.js';
import {
  componentLabels,
  MAX_INCIDENT_BACKDATE_DAYS,
  MAX_INCIDENT_PLANNED_END_DAYS,
  type DeclareIncidentBody,
  type Incident,
  type UpdateIncidentBody,
} from '@prostopcovid/contracts/incidents';
import type { OpenIncident, OpenIncidents } from './open-incidents.js';

export interface IncidentsDeps {
  db: Db;
  incidents: OpenIncidents;
  continuity: Config['continuity'];
}

const MAX_BACKDATE_MS = MAX_INCIDENT_BACKDATE_DAYS * DAY;
/** Tolerance for the operator's clock being slightly ahead of the server's. */
const CLOCK_SKEW_MS = 5 * MINUTE;
const MAX_PLANNED_END_MS = MAX_INCIDENT_PLANNED_END_DAYS * DAY;
const HISTORY_LIMIT = 100;

/**
 * An incident starting "now" starts at the beginning of the current minute: professionals
 * enter test times to the minute (hh:mm), so a test sampled in the minute the incident was
 * declared or detected, stored as hh:mm:00, must still fall inside its window.
 */
export const startOfMinute = (date: Date): Date => new Date(Math.floor(date.getTime() / MINUTE) * MINUTE);

type IncidentRow = Awaited<ReturnType<typeof repo.findOpenIncidents>>[number];

function present(row: IncidentRow): Incident {
  return {
    id: row.id,
    component: row.component,
    componentLabel: componentLabels[row.component],
    startedAt: row.started_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
    testAttestationHours: row.test_attestation_hours,
    message: row.message,
    source: row.source,
  };
}

const presentOpen = (incident: OpenIncident): Incident =>
  present({
    id: incident.id,
    component: incident.component,
    started_at: incident.startedAt,
    ended_at: incident.endedAt,
    test_attestation_hours: incident.testAttestationHours,
    message: incident.message,
    source: incident.source,
  });

/** For banners (everyone, signed in or not): from the per-process cache, no query per request. */
export async function listCurrentIncidents(deps: IncidentsDeps) {
  return { incidents: (await deps.incidents.list()).map(presentOpen), defaultTestAttestationHours: deps.continuity.provisionalTestHours };
}

export async function listIncidentHistory(deps: IncidentsDeps, since: string | undefined) {
  const sinceDate = since === undefined ? undefined : parseDate(since, 'REQUEST_INVALID');
  const rows = await repo.listIncidentHistory(deps.db, { since: sinceDate, limit: HISTORY_LIMIT });
  return {
    incidents: rows.map((row) => ({
      ...present(row),
      declaredBy: row.family_name !== null && row.given_name !== null ? { givenName: row.given_name, familyName: row.family_name } : null,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    })),
  };
}

function parseDate(value: string, code: 'INCIDENTS_START_INVALID' | 'INCIDENTS_END_INVALID' | 'REQUEST_INVALID'): Date {
  const date = parseInstant(value);
  if (!date) throw new AppError(code);
  return date;
}

function checkEnd(endedAt: Date, startedAt: Date, now: Date): void {
  if (endedAt.getTime() <= startedAt.getTime() || endedAt.getTime() > now.getTime() + MAX_PLANNED_END_MS) {
    throw new AppError('INCIDENTS_END_INVALID');
  }
}

/** An operator declares an incident (docs/domain.md, Continuity): shown in banners, used by verifiers. */
export async function declareIncident(deps: IncidentsDeps, ctx: RequestContext, input: DeclareIncidentBody): Promise<Incident> {
  const startedAt = input.startedAt === undefined ? startOfMinute(ctx.now) : parseDate(input.startedAt, 'INCIDENTS_START_INVALID');
  if (startedAt.getTime() < ctx.now.getTime() - MAX_BACKDATE_MS || startedAt.getTime() > ctx.now.getTime() + CLOCK_SKEW_MS) {
    throw new AppError('INCIDENTS_START_INVALID');
  }
  const endedAt = input.endedAt === undefined ? null : parseDate(input.endedAt, 'INCIDENTS_END_INVALID');
  if (endedAt) checkEnd(endedAt, startedAt, ctx.now);
  const testAttestationHours = input.testAttestationHours ?? deps.continuity.provisionalTestHours;
  const row = await deps.db.transaction().execute(async (trx) => {
    const inserted = await repo.insertIncident(trx, {
      component: input.component,
      startedAt,
      endedAt,
      testAttestationHours,
      message: input.message?.trim() ?? null,
      declaredBy: ctx.professional!.id,
      now: ctx.now,
    });
    await recordAudit(trx, ctx, {
      action: 'incidents.declare',
      outcome: 'success',
      targetType: 'incident',
      targetId: inserted.id,
      details: { component: input.component, startedAt: startedAt.toISOString(), endedAt: endedAt?.toISOString() ?? null, testAttestationHours },
    });
    await deps.incidents.changed(trx);
    return inserted;
  });
  deps.incidents.invalidate();
  return present(row);
}

/**
 * Changes an incident: its end (once: an ended incident's window is what verifiers relied
 * on), the attestation validity or the message.
 */
export async function updateIncident(
  deps: IncidentsDeps,
  ctx: RequestContext,
  id: string,
  patch: UpdateIncidentBody,
  action: 'incidents.update' | 'incidents.close' = 'incidents.update',
): Promise<Incident> {
  const endedAt = patch.endedAt === undefined ? undefined : parseDate(patch.endedAt, 'INCIDENTS_END_INVALID');
  const row = await deps.db.transaction().execute(async (trx) => {
    const current = await repo.findIncidentForUpdate(trx, id);
    if (!current) throw new AppError('INCIDENTS_NOT_FOUND');
    if (endedAt) {
      if (current.ended_at && current.ended_at.getTime() <= ctx.now.getTime()) throw new AppError('INCIDENTS_ALREADY_ENDED');
      checkEnd(endedAt, current.started_at, ctx.now);
    }
    const message = patch.message === undefined || patch.message === null ? patch.message : patch.message.trim();
    const updated = await repo.updateIncident(trx, id, { endedAt, testAttestationHours: patch.testAttestationHours, message }, ctx.now);
    await recordAudit(trx, ctx, {
      action,
      outcome: 'success',
      targetType: 'incident',
      targetId: id,
      details: {
        component: current.component,
        ...(endedAt ? { endedAt: endedAt.toISOString() } : {}),
        ...(patch.testAttestationHours !== undefined ? { testAttestationHours: patch.testAttestationHours } : {}),
        ...(patch.message !== undefined ? { messageChanged: true } : {}),
      },
    });
    await deps.incidents.changed(trx);
    return updated;
  });
  deps.incidents.invalidate();
  return present(row);
}

export function closeIncident(deps: IncidentsDeps, ctx: RequestContext, id: string, endedAt: string | undefined): Promise<Incident> {
  return updateIncident(deps, ctx, id, { endedAt: endedAt ?? ctx.now.toISOString() }, 'incidents.close');
}

/**
 * Opens the automatic incident of a component. Every server process's breaker may call it:
 * the partial unique index keeps one open, and only the process that opened it audits it.
 */
export async function openAutomaticIncident(db: Db, component: IncidentComponent, now: Date, testAttestationHours = 12) {
  return db.transaction().execute(async (trx) => {
    const inserted = await repo.insertAutomaticIncident(trx, component, testAttestationHours, now, startOfMinute(now));
    if (inserted) {
      await recordSystemAudit(trx, now, { action: 'incidents.open_automatic', outcome: 'success', targetType: 'incident', targetId: inserted.id, details: { component } });
    }
    return inserted ? present(inserted) : null;
  });
}

/** Ends the open automatic incident of a component, if any (operator-declared ones stay: people close those). */
export async function closeAutomaticIncident(db: Db, component: IncidentComponent, now: Date) {
  return db.transaction().execute(async (trx) => {
    const ended = await repo.endAutomaticIncident(trx, component, now);
    if (ended) {
      await recordSystemAudit(trx, now, { action: 'incidents.close_automatic', outcome: 'success', targetType: 'incident', targetId: ended.id, details: { component } });
    }
    return ended ? present(ended) : null;
  });
}

export type { OpenIncident, OpenIncidents } from './open-incidents.js';

/** Incidents of these components whose window overlaps [from, to]: what verifiers need. */
export function listIncidentsOverlapping(db: Db, components: readonly IncidentComponent[], from: Date, to: Date) {
  return repo.findIncidentsOverlapping(db, components, from, to);
}
