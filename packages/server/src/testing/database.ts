import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../db/database.js';
import { PG_SCHEMA_PREFIX_ENV, PGLITE_TEMPLATE_ENV } from './pglite-template.js';
import { SCHEMA_DDL_LOCK } from '../db/migrate.js';

/**
 * A fresh, empty database for one test app: PGlite by default (a new, empty cluster), or a
 * throw-away schema on the PostgreSQL server named by TEST_DATABASE_URL (CI sets it).
 */
export function openTestDatabase(): Promise<DatabaseHandle> {
  const runDir = process.env[PGLITE_TEMPLATE_ENV];
  if (!process.env.TEST_DATABASE_URL && runDir) return openPgliteCopy(runDir);
  // Within a test run, the run's schemas are dropped together at its end (pglite-template.ts).
  const runPrefix = process.env[PG_SCHEMA_PREFIX_ENV];
  return openThrowAwayDatabase(process.env.TEST_DATABASE_URL, runPrefix ?? 't', { dropOnClose: !runPrefix });
}

/**
 * PGlite on a copy of the run's empty, freshly initialised data folder (testing/pglite-template.ts,
 * the unit project's global setup): the same new cluster as `memory://` gives, without initdb
 * each time. The copy is deleted by close(), or with the run's folder at the end.
 */
async function openPgliteCopy(runDir: string): Promise<DatabaseHandle> {
  const root = mkdtempSync(join(runDir, 'db-'));
  const dataDir = join(root, 'data');
  try {
    cpSync(join(runDir, 'template'), dataDir, { recursive: true });
    const handle = await openDatabase({ dataDir });
    return {
      ...handle,
      close: async () => {
        try {
          await handle.close();
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

/** A throw-away schema `<prefix>_<random>` on the PostgreSQL server at `url` (dropped by close()), or PGlite in memory without one. */
export async function openThrowAwayDatabase(url: string | undefined, prefix: string, options: { dropOnClose?: boolean } = {}): Promise<DatabaseHandle> {
  if (!url) return openDatabase({ dataDir: 'memory://' });
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const handle = await openDatabase({ url, schema, poolSize: 4 });
  if (options.dropOnClose === false) return handle;
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        // Not while another test file's migration reads every schema's tables (migrate.ts).
        await admin.query('select pg_advisory_lock(hashtext($1))', [SCHEMA_DDL_LOCK]);
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.query('select pg_advisory_unlock(hashtext($1))', [SCHEMA_DDL_LOCK]);
      } finally {
        await admin.end();
      }
    },
  };
}
