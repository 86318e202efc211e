/**
 * Vitest global setup of the unit project (vitest.config.ts): on PGlite (no TEST_DATABASE_URL),
 * one freshly initialised, empty PGlite data folder for the whole run. Each test database is a
 * copy of it (openTestDatabase), opened by the same openDatabase as production's on-disk
 * PGlite: a new, empty cluster as `memory://` gives, without running initdb again for every test
 * app (4-10 s each on a 2-core machine, ~40 times a run). Migrations still run on each copy, as
 * on any new database. The folder lives in /dev/shm where there is one (memory, like
 * `memory://`), and is deleted at the end of the run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../db/database.js';

/**
 * The environment variable through which the test workers find the run's folder: the template
 * is its `template` folder, and each test database a copy beside it (all gone with the run).
 */
export const PGLITE_TEMPLATE_ENV = 'TEST_PGLITE_RUN_DIR';

/**
 * On PostgreSQL: the prefix of this run's test schemas. They are dropped together at the end of
 * the run, not one by one as test files finish: a schema dropped while another file's migrator
 * reads the catalogue (Kysely's introspection lists every schema's tables) fails that file
 * with "schema … does not exist".
 */
export const PG_SCHEMA_PREFIX_ENV = 'TEST_PG_SCHEMA_PREFIX';

export default async function setup(): Promise<(() => Promise<void> | void) | undefined> {
  const url = process.env.TEST_DATABASE_URL;
  if (url && !process.env[PG_SCHEMA_PREFIX_ENV]) return dropSchemasAtTheEnd(url);
  if (url || process.env[PGLITE_TEMPLATE_ENV]) return undefined;
  const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'prostopcovid-pglite-run-'));
  // Initialises the folder (initdb, in a child process) exactly as a first start does, and nothing more.
  const handle = await openDatabase({ dataDir: join(root, 'template') });
  await handle.close();
  process.env[PGLITE_TEMPLATE_ENV] = root;
  return () => {
    delete process.env[PGLITE_TEMPLATE_ENV];
    rmSync(root, { recursive: true, force: true });
  };
}

function dropSchemasAtTheEnd(url: string): () => Promise<void> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  process.env[PG_SCHEMA_PREFIX_ENV] = prefix;
  return async () => {
    delete process.env[PG_SCHEMA_PREFIX_ENV];
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ nspname: string }>("select nspname from pg_namespace where nspname like $1 || '\\_%'", [prefix]);
      for (const { nspname } of rows) await admin.query(`drop schema if exists ${nspname} cascade`);
    } finally {
      await admin.end();
    }
  };
}
