import type { Kysely, Transaction } from 'kysely';
import type { Database, IncidentComponent } from '../../db/schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

const columns = ['id', 'component', 'started_at', 'ended_at', 'test_attestation_hours', 'message', 'source'] as const;

/** Incidents open at `now` (started, not ended). */
export async function findOpenIncidents(db: Executor, now: Date) {
  return db
    .selectFrom('incidents')
    .select(columns)
    .where('started_at', '<=', now)
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', now)]))
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
