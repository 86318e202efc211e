import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, IncidentComponent } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

const columns = ['id', 'component', 'started_at', 'ended_at', 'test_attestation_hours', 'message', 'source'] as const;

/** Incidents open at `now` (started, not ended), and those ended less than `recentMs` ago. */
export async function findOpenIncidents(db: Executor, now: Date, recentMs = 0) {
  return db
    .selectFrom('incidents')
    .select(columns)
    .where('started_at', '<=', now)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', new Date(now.getTime() - recentMs))]))
    .orderBy('started_at')
    .execute();
}

/** Incidents of these components whose window overlaps [from, to]: what verifiers need. */
export async function findIncidentsOverlapping(db: Executor, components: readonly IncidentComponent[], from: Date, to: Date) {
  return db
    .selectFrom('incidents')
    .select(columns)
    .where('component', 'in', components)
    .where('started_at', '<=', to)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', from)]))
    .orderBy('started_at')
    .execute();
}

export async function insertIncident(
  trx: Executor,
  values: {
    component: IncidentComponent;
    startedAt: Date;
    endedAt: Date | null;
    testAttestationHours: number;
    message: string | null;
    declaredBy: string;
    now: Date;
  },
) {
  return trx
    .insertInto('incidents')
    .values({
      component: values.component,
      started_at: values.startedAt,
      ended_at: values.endedAt,
      test_attestation_hours: values.testAttestationHours,
      message: values.message,
      source: 'operator',
      declared_by: values.declaredBy,
      created_at: values.now,
      updated_at: values.now,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

/** Opens the automatic incident of a component, unless one is open already (one per component, by index). */
export async function insertAutomaticIncident(trx: Executor, component: IncidentComponent, testAttestationHours: number, now: Date, startedAt = now) {
  return trx
    .insertInto('incidents')
    .values({ component, started_at: startedAt, test_attestation_hours: testAttestationHours, source: 'automatic', created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('component').where('source', '=', 'automatic').where('ended_at', 'is', null).doNothing())
    .returning(columns)
    .executeTakeFirst();
}

/** Ends the open automatic incident of a component; never before its start (the table forbids an empty window). */
export async function endAutomaticIncident(trx: Executor, component: IncidentComponent, now: Date) {
  return trx
    .updateTable('incidents')
    .set({ ended_at: sql<Date>`greatest(${now}::timestamptz, started_at + interval '1 millisecond')`, updated_at: now })
    .where('component', '=', component)
    .where('source', '=', 'automatic')
    .where('ended_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
}

/** Locks the row: two operators closing the same incident must not both succeed. */
export async function findIncidentForUpdate(trx: Executor, id: string) {
  return trx.selectFrom('incidents').select(columns).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateIncident(
  trx: Executor,
  id: string,
  patch: { endedAt?: Date; testAttestationHours?: number; message?: string | null },
  now: Date,
) {
  return trx
    .updateTable('incidents')
    .set({
      ...(patch.endedAt !== undefined ? { ended_at: patch.endedAt } : {}),
      ...(patch.testAttestationHours !== undefined ? { test_attestation_hours: patch.testAttestationHours } : {}),
      ...(patch.message !== undefined ? { message: patch.message } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirstOrThrow();
}

/** Most recent first: those started since `since` or still open then, or else the last `limit`. */
export async function listIncidentHistory(db: Executor, options: { since?: Date; limit: number }) {
  let query = db
    .selectFrom('incidents as i')
    .leftJoin('professionals as p', 'p.id', 'i.declared_by')
    .select(['i.id', 'i.component', 'i.started_at', 'i.ended_at', 'i.test_attestation_hours', 'i.message', 'i.source', 'i.created_at', 'i.updated_at', 'p.given_name', 'p.family_name'])
    .orderBy('i.started_at', 'desc')
    .orderBy('i.created_at', 'desc')
    .limit(options.limit);
  if (options.since) {
    const since = options.since;
    query = query.where((eb) => eb.or([eb('i.started_at', '>=', since), eb('i.ended_at', 'is', null), eb('i.ended_at', '>=', since)]));
  }
  return query.execute();
}
