import type { FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { AppError } from './errors.js';
import { fixedWindow } from './rate-limit.js';

const MINUTE = 60_000;

interface Bucket {
  tokens: number;
  /** The deployment's count for this window is used up: refuse without asking the database. */
  exhausted: boolean;
  pending: Promise<void> | undefined;
}

/**
 * Requests per minute for each known caller (a professional, a laboratory API key), across
 * every process of the deployment: the count lives in `rate_limit_hits`, but a process does
 * not write it on every request. It leases tokens in blocks (a twentieth of the limit), spends
 * them locally, and leases again when they run out; the database grants at most what is left
 * of the limit. The deployment therefore never admits more than the limit in a window, and a
 * caller past it costs no database write at all until the next window. Tokens leased but not
 * spent by one process are lost for the window (at most processes × block per window).
 */
export class ClientLimiter {
  private window = 0;
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly db: Db) {}

  /**
   * One request by `key` under `limit` per minute. Fails closed: when the count cannot be
   * read, the database error propagates and the request is refused.
   */
  async take(key: string, limit: number, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const { start, retryAfterSeconds } = fixedWindow(now, MINUTE);
    if (start.getTime() !== this.window) {
      // A new window: every earlier bucket is void, which also bounds the map by the callers of one minute.
      this.window = start.getTime();
      this.buckets.clear();
    }
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: 0, exhausted: false, pending: undefined };
      this.buckets.set(key, bucket);
    }
    while (bucket.tokens === 0 && !bucket.exhausted) {
      const current = bucket;
      current.pending ??= this.lease(key, current, limit, start).finally(() => (current.pending = undefined));
      await current.pending;
    }
    if (bucket.tokens === 0) return { allowed: false, retryAfterSeconds };
    bucket.tokens--;
    return { allowed: true, retryAfterSeconds };
  }

  private async lease(key: string, bucket: Bucket, limit: number, windowStart: Date): Promise<void> {
    const block = Math.max(1, Math.floor(limit / 20));
    const { rows } = await sql<{ hits: number }>`/* prepared:client_limit_lease */
      insert into rate_limit_hits (key, window_start, hits) values (${key}, ${windowStart}, ${block})
      on conflict (key, window_start) do update set hits = rate_limit_hits.hits + excluded.hits
      returning hits`.execute(this.db);
    const before = rows[0]!.hits - block;
    const granted = Math.max(0, Math.min(block, limit - before));
    bucket.tokens += granted;
    if (granted < block) bucket.exhausted = true;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    clientLimiter: ClientLimiter;
  }
}

/** Counts the request against its caller's per-minute limit: 429 past it, 503 when the count cannot be read. */
export async function enforceClientLimit(request: FastifyRequest, key: string, limit: number): Promise<void> {
  let result: Awaited<ReturnType<ClientLimiter['take']>>;
  try {
    result = await request.server.clientLimiter.take(key, limit, request.server.clock.now());
  } catch (error) {
    throw new AppError('SERVICE_UNAVAILABLE', { cause: error });
  }
  if (!result.allowed) throw new AppError('CLIENT_RATE_LIMITED', { retryAfterSeconds: result.retryAfterSeconds });
}
