/**
 * The benchmark's yardstick: a bare Fastify server whose only route does one durable
 * single-row insert, on the same kind of database as the app (PGlite in its own folder, or
 * PostgreSQL through a pg Pool of the app's size). Started as a child process by
 * codes.bench.ts; prints BASELINE_READY when listening.
 *
 * Env: BASELINE_DB=pglite|postgres, DATABASE_URL (postgres), DATA_DIR (pglite), PORT.
 */
import { PGlite } from '@electric-sql/pglite';
import Fastify from 'fastify';
import pg from 'pg';

const kind = process.env.BASELINE_DB;
const port = Number(process.env.PORT);
if ((kind !== 'pglite' && kind !== 'postgres') || !Number.isInteger(port) || port <= 0) {
  console.error('baseline-server: BASELINE_DB=pglite|postgres and PORT are required');
  process.exit(2);
}

const DDL = `create table if not exists bench_baseline (
  id uuid primary key,
  payload jsonb not null,
  created_at timestamptz not null
)`;
const INSERT = 'insert into bench_baseline (id, payload, created_at) values (gen_random_uuid(), $1, now())';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;
let query: Query;
let close: () => Promise<void>;

if (kind === 'postgres') {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('baseline-server: DATABASE_URL is required for postgres');
  // Same pool size and timeout as the app (src/db/database.ts).
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  query = (sql, params) => pool.query(sql, params);
  close = () => pool.end();
} else {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('baseline-server: DATA_DIR is required for pglite');
  const db = new PGlite(dataDir);
  await db.waitReady;
  query = (sql, params) => db.query(sql, params);
  close = () => db.close();
}
await query(DDL);

const app = Fastify({ logger: false });
app.post('/baseline', async (request, reply) => {
  await query(INSERT, [JSON.stringify(request.body ?? {})]);
  reply.status(201);
  return { ok: true };
});
app.addHook('onClose', () => close());

await app.listen({ host: '127.0.0.1', port });
console.log(`BASELINE_READY ${kind} http://127.0.0.1:${port}`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
