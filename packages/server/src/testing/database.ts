import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../db/database.js';

/**
 * A fresh, empty database for one test app: in-memory PGlite by default, or a throw-away
 * schema on the PostgreSQL server named by TEST_DATABASE_URL (CI sets it).
 */
export function openTestDatabase(): Promise<DatabaseHandle> {
  return openThrowAwayDatabase(process.env.TEST_DATABASE_URL, 't');
}

/** A throw-away schema `<prefix>_<random>` on the PostgreSQL server at `url` (dropped by close()), or PGlite in memory without one. */
export async function openThrowAwayDatabase(url: string | undefined, prefix: string): Promise<DatabaseHandle> {
  if (!url) return openDatabase({ dataDir: 'memory://' });
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const handle = await openDatabase({ url, schema, poolSize: 4 });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}
