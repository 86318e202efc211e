import { performance } from 'node:perf_hooks';
import { setTimeout as pause } from 'node:timers/promises';
import { Pool } from 'undici';

export interface OpenLoopRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OpenLoopAnswer {
  status: number;
  /** From the moment the request was due (its place in the schedule): what a user waits, queueing in this client included. */
  fromDueMs: number;
  /** From the moment it was handed to the connection pool. */
  fromSentMs: number;
}

export interface OpenLoopResult {
  offeredRate: number;
  /** Requests actually sent per second (below offeredRate when this generator could not keep up). */
  sentRate: number;
  seconds: number;
  answers: OpenLoopAnswer[];
  /** Connection errors and requests with no answer within the timeout. */
  errors: number;
  /** Connections the generator had to open: concurrency is what the server's latency made it, never a cap. */
  connectionsOpened: number;
}

/**
 * Open-loop load: requests are sent on a fixed schedule (`rate` per second, evenly spaced),
 * whether or not earlier ones have been answered, opening new connections as needed (up to
 * `maxConnections`). A closed-loop generator (autocannon, or its per-second `overallRate`
 * quota) waits for answers before sending more, so a slow server receives less load and the
 * offered load is hidden as concurrency. Latency is measured from the moment each request was
 * due, so waiting in this client is counted, not omitted.
 */
export async function runOpenLoop(options: {
  origin: string;
  rate: number;
  seconds: number;
  next: (index: number) => OpenLoopRequest;
  maxConnections?: number;
  timeoutMs?: number;
}): Promise<OpenLoopResult> {
  let connectionsOpened = 0;
  const pool = new Pool(options.origin, {
    connections: options.maxConnections ?? 2000,
    pipelining: 1,
    headersTimeout: options.timeoutMs ?? 10_000,
    bodyTimeout: options.timeoutMs ?? 10_000,
    keepAliveTimeout: 30_000,
  });
  pool.on('connect', () => connectionsOpened++);
  const answers: OpenLoopAnswer[] = [];
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.seconds);
  const start = performance.now();
  let sent = 0;
  const send = (index: number, due: number) => {
    const request = options.next(index);
    const sentAt = performance.now();
    const promise = pool
      .request({ method: request.method, path: request.path, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) })
      .then(async ({ statusCode, body }) => {
        await body.dump();
        const now = performance.now();
        answers.push({ status: statusCode, fromDueMs: now - due, fromSentMs: now - sentAt });
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inFlight.delete(promise));
    inFlight.add(promise);
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
    while (sent < due) {
      send(sent, start + sent * interval);
      sent++;
    }
    await pause(1);
  }
  const sendingSeconds = (performance.now() - start) / 1000;
  await Promise.race([Promise.all(inFlight), pause((options.timeoutMs ?? 10_000) + 2000)]);
  errors += inFlight.size;
  await pool.destroy();
  return { offeredRate: options.rate, sentRate: sent / sendingSeconds, seconds: sendingSeconds, answers, errors, connectionsOpened };
}
