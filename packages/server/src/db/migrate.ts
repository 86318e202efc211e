import { inspect } from 'node:util';
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import type { DatabaseHandle } from './database.js';
import * as m0001 from './migrations/0001_foundation.js';
import * as m0002 from './migrations/0002_declaration_codes.js';
import * as m0003 from './migrations/0003_tests_vaccinations.js';
import * as m0004 from './migrations/0004_labs.js';
import * as m0005 from './migrations/0005_certificates.js';
import * as m0006 from './migrations/0006_long_codes.js';
import * as m0007 from './migrations/0007_continuity.js';
import * as m0008 from './migrations/0008_fallback_pending.js';
import * as m0009 from './migrations/0009_recovery_certificates.js';
import * as m0010 from './migrations/0010_session_secrets.js';
import * as m0011 from './migrations/0011_robert.js';
import * as m0012 from './migrations/0012_cheaper_writes.js';
import * as m0013 from './migrations/0013_messages.js';
import * as m0014 from './migrations/0014_statistics.js';
import * as m0015 from './migrations/0015_lab_long_codes.js';
import * as m0016 from './migrations/0016_message_revision.js';

// Forward-only: migrations have no `down`. Listed here, in order, so bundling never loses one.
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_declaration_codes': m0002,
  '0003_tests_vaccinations': m0003,
  '0004_labs': m0004,
  '0005_certificates': m0005,
  '0006_long_codes': m0006,
  '0007_continuity': m0007,
  '0008_fallback_pending': m0008,
  '0009_recovery_certificates': m0009,
  '0010_session_secrets': m0010,
  '0011_robert': m0011,
  '0012_cheaper_writes': m0012,
  '0013_messages': m0013,
  '0014_statistics': m0014,
  '0015_lab_long_codes': m0015,
  '0016_message_revision': m0016,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Held while a schema's tables are created or dropped on PostgreSQL (migrations, tests' teardown). */
export const SCHEMA_DDL_LOCK = 'prostopcovid.schema_ddl';

/**
 * Applies pending migrations; Kysely holds a PostgreSQL advisory lock meanwhile, so concurrent
 * starts are safe. Before taking it, Kysely reads the tables of every schema, which fails if
 * another connection drops or renames one at that moment (tests, each in a schema of its own,
 * on one database): on PostgreSQL the whole run holds SCHEMA_DDL_LOCK, as schema drops do.
 */
export async function migrateToLatest({ db, schema, kind }: Pick<DatabaseHandle, 'db' | 'schema' | 'kind'>): Promise<string[]> {
  if (kind !== 'postgres') return migrate(db, schema);
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext(${SCHEMA_DDL_LOCK}))`.execute(connection);
    try {
      return await migrate(connection, schema);
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${SCHEMA_DDL_LOCK}))`.execute(connection);
    }
  });
}

async function migrate(db: DatabaseHandle['db'], schema: string): Promise<string[]> {
  // Naming the schema keeps Kysely from mistaking another schema's bookkeeping tables for ours.
  const migrator = new Migrator({ db, provider, migrationTableSchema: schema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(inspect(error), { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
