import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../platform/errors.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PoolPressure } from './pool-pressure.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** The schema the tables live in. */
  readonly schema: string;
  /** Who waits for a connection, and since when (admission control reads it). */
  readonly pressure: PoolPressure;
  /** PostgreSQL's URL (the change feed listens on a connection of its own), or the embedded PGlite. */
  readonly url?: string;
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; without it PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder, or 'memory://'. */
  dataDir?: string;
  /** PostgreSQL schema to work in (tests isolate themselves this way); created if missing. */
  schema?: string;
  poolSize?: number;
}

// Postgres returns bigint (int8) and numeric as strings; counts here fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// Calendar dates stay YYYY-MM-DD strings: a JS Date would shift them by the time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
const pgliteParsers = { [pgliteTypes.INT8]: (value: string) => Number(value), [pgliteTypes.DATE]: (value: string) => value };

/** Hot statements carry this marker; their text is fixed, so the set of names is bounded. */
const PREPARED_MARKER = /\/\* prepared:([a-z0-9_]+) \*\//;

/**
 * Runs statements marked `/* prepared:name *\/` as named prepared statements: PostgreSQL then
 * parses and plans them once per connection instead of on every request (the issuing and
 * redeeming statements cost more to plan than to run).
 */
function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (text: unknown, values?: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' ? PREPARED_MARKER.exec(text)?.[1] : undefined;
    return name ? query({ name, text, values }) : query(text, values, ...rest);
  };
}

/**
 * A pool connection once the gate lets this caller through (pool-pressure.ts: by priority); the
 * slot is given back when the connection is released to the pool.
 */
async function connectByPriority(pool: pg.Pool, pressure: PoolPressure): Promise<pg.PoolClient> {
  // Still waiting after that long is overload, not a fault: a 503 with Retry-After, not a 500.
  const done = await pressure.acquire(POOL_WAIT_TIMEOUT_MS, () => new AppError('SERVICE_OVERLOADED', { message: `no database connection after ${POOL_WAIT_TIMEOUT_MS} ms`, retryAfterSeconds: 5 }));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    done();
    throw error;
  }
  const release = client.release.bind(client);
  client.release = (error?: Error | boolean) => {
    client.release = release;
    done();
    release(error);
  };
  return client;
}

/** As pg's connectionTimeoutMillis was: a request does not wait for a connection longer. */
const POOL_WAIT_TIMEOUT_MS = 5000;

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    if (options.schema && !/^[a-z_][a-z0-9_]*$/.test(options.schema)) {
      throw new Error(`invalid schema name ${options.schema}`);
    }
    if (options.schema) {
      const admin = new pg.Client({ connectionString: options.url });
      await admin.connect();
      try {
        await admin.query(`create schema if not exists ${options.schema}`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    pool.on('connect', prepareMarkedStatements);
    const pressure = new PoolPressure(options.poolSize ?? 10);
    const tracked = { connect: () => connectByPriority(pool, pressure), end: () => pool.end() };
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: tracked }) });
    return { db, kind: 'postgres', schema: options.schema ?? 'public', pressure, url: options.url, close: () => db.destroy() };
  }
  const dataDir = options.dataDir ?? 'memory://';
  const onDisk = !dataDir.includes('://');
  const unlock = onDisk ? lockDataDir(dataDir) : () => {};
  try {
    if (onDisk && !existsSync(join(dataDir, 'PG_VERSION'))) await initDataDirInChild(dataDir);
  } catch (error) {
    unlock();
    throw error;
  }
  const pglite = new PGlite(dataDir, { parsers: pgliteParsers, startParams: PGLITE_START_PARAMS });
  const pressure = new PoolPressure(1);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite, pressure) });
  return {
    db,
    kind: 'pglite',
    schema: 'public',
    pressure,
    pglite,
    close: async () => {
      await db.destroy();
      unlock();
    },
  };
}

/**
 * PGlite's defaults plus a smaller buffer cache. initdb writes shared_buffers = 128MB, and
 * PGlite touches all of it: the WebAssembly memory then holds 147 MiB resident, against 29 MiB
 * at 16MB (the whole process: 305 -> 154 MiB). An embedded database is small, and the
 * operating system still caches its files; a large one belongs on PostgreSQL (DATABASE_URL).
 * Durability does not change: WAL and commits do not depend on the cache size.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * Creates a new PGlite data folder in a short-lived child process. In this process, initdb
 * (a second PGlite instance, the initdb module and a tarball of the new folder) leaves
 * ~300-600 MiB resident long after it finished, and closing and reopening does not give it
 * back; when the child exits, all of it goes with it.
 */
async function initDataDirInChild(dataDir: string): Promise<void> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const script = 'const { PGlite } = require(process.argv[1]); const db = new PGlite(process.argv[2]); db.waitReady.then(() => db.close());';
  await promisify(execFile)(process.execPath, ['-e', script, entry, dataDir], { timeout: 120_000 });
}

/**
 * PGlite is an embedded database: two processes opening the same folder would silently
 * diverge. A lock file holding the owner's pid refuses the second one.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, '..', `${basename(dataDir)}.lock`);
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(lockFile, 'utf8'));
    if (owner && owner !== process.pid && isAlive(owner)) {
      throw new Error(`the PGlite data folder ${dataDir} is in use by process ${owner}`);
    }
    writeFileSync(lockFile, String(process.pid)); // a stale lock from a crashed process
  }
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
