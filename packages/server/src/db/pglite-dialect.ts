import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import type { PoolPressure } from './pool-pressure.js';

/**
 * Kysely dialect for PGlite. PGlite is one connection: a Kysely transaction must hold it
 * exclusively, or another request's query would run inside it. Acquisition therefore goes
 * through a gate of one slot (PoolPressure: by priority, then in order).
 */
export class PGliteDialect implements Dialect {
  constructor(
    private readonly pglite: PGlite,
    private readonly pressure: PoolPressure,
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite, this.pressure);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

const ACQUIRE_TIMEOUT_MS = 15_000;

class PGliteDriver implements Driver {
  private readonly connection: DatabaseConnection;
  private release: (() => void) | undefined;

  constructor(
    private readonly pglite: PGlite,
    private readonly pressure: PoolPressure,
  ) {
    this.connection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        const result = await pglite.query<R>(query.sql, query.parameters as unknown[]);
        return {
          rows: result.rows,
          numAffectedRows: result.affectedRows === undefined ? undefined : BigInt(result.affectedRows),
        };
      },
      streamQuery: () => {
        throw new Error('streaming is not supported on PGlite');
      },
    };
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // A query on `db` inside a transaction would wait for the transaction forever (PostgreSQL
    // would just take another connection): fail loudly instead of hanging every request.
    this.release = await this.pressure.acquire(
      ACQUIRE_TIMEOUT_MS,
      () => new Error(`PGlite connection not available after ${ACQUIRE_TIMEOUT_MS} ms (a query on db inside a transaction?)`),
    );
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    release?.();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }
  async destroy(): Promise<void> {
    await this.pglite.close();
  }
}
