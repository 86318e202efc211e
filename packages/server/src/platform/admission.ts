import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PoolPressure } from '../db/pool-pressure.js';
import { send } from './error-handler.js';
import { AppError } from './errors.js';

export interface AdmissionSettings {
  /** Admitted requests in flight in this process past which new ones are shed (0: no limit). */
  maxInFlight: number;
  /**
   * Longest a critical request may queue (for a database connection, or between its arrival
   * and its handler); normal ones get 3/4 of it, low ones half. 0: not checked.
   */
  maxQueueMs: number;
  /** Median event-loop delay (ms) over two windows in a row past which normal and low requests are shed (0: off). */
  maxEventLoopDelayMs: number;
  retryAfterSeconds: number;
  /** Length of one event-loop measurement window (ms). */
  windowMs?: number;
}

/**
 * Who passes first when the process is short of capacity (docs/domain.md, Continuity: overload).
 * critical: sign-in callbacks (a professional mid-sign-in), acts sent with an Idempotency-Key
 * (the portal's outbox replaying what was done during an outage) and the laboratory API;
 * normal: other requests carrying a session cookie; low: anonymous requests.
 */
export type Priority = 'critical' | 'normal' | 'low';

/** Share of each limit a priority may use: the rest is kept for the ones above it. */
const SHARE: Record<Priority, number> = { critical: 1, normal: 0.75, low: 0.5 };

export type ShedReason = 'inFlight' | 'queueTime' | 'poolWait' | 'eventLoopDelay';

// Probes and metrics must answer precisely when the process is overloaded.
const EXEMPT = /^\/(healthz|readyz|metrics)(\?|$)/;
const CRITICAL_PATH = /^\/(auth\/callback|api\/labs\/)/;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);
// Bodies this small arrive with their headers: the time before the handler is then queueing, not a slow upload.
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Read from the raw request only (method, URL, headers): classifying must cost next to
 * nothing, since under a surge most requests are only classified and refused. A forged
 * cookie or Idempotency-Key buys no right, only a place in the queue; per-professional and
 * per-key limits (client-limits.ts) apply once the caller is known.
 */
export function classifyRequest(method: string, url: string, headers: FastifyRequest['headers'], sessionCookie: string): Priority | 'exempt' {
  if (EXEMPT.test(url)) return 'exempt';
  if (CRITICAL_PATH.test(url)) return 'critical';
  const hasSession = typeof headers.cookie === 'string' && headers.cookie.includes(`${sessionCookie}=`);
  if (hasSession && WRITE_METHODS.has(method) && headers['idempotency-key'] !== undefined) return 'critical';
  return hasSession ? 'normal' : 'low';
}

declare module 'fastify' {
  interface FastifyInstance {
    /** True while the event loop has stayed late (one of admission control's signals). */
    isOverloaded(): boolean;
    /** Admitted requests being served by this process now. */
    inFlight(): number;
  }
  interface FastifyRequest {
    /** performance.now() when admitted; 0 for exempt requests. */
    admittedAt: number;
    priority: Priority | 'exempt';
  }
}

/**
 * Admission control: when the process is short of capacity, a new request is refused at once
 * with a French 503 and Retry-After, before any work is done for it, instead of joining a
 * queue where it and every request behind it would wait past the clients' timeouts. The
 * portal's outbox honours Retry-After. Signals, all per process and cheap to read:
 *  - admitted requests in flight (`maxInFlight`);
 *  - the age of the oldest request waiting for a database connection: under a surge the queue
 *    forms in the pool while the event loop stays calm;
 *  - the time a request waited between its arrival and its handler;
 *  - the median event-loop delay, when the process itself is saturated.
 * Each priority sheds at its own share of each limit, so anonymous reads go first.
 */
export function registerAdmissionControl(app: FastifyInstance, settings: AdmissionSettings, pool: PoolPressure, sessionCookie: string): void {
  let inFlight = 0;
  let overWindows = 0;
  app.decorate('isOverloaded', () => overWindows >= 2);
  app.decorate('inFlight', () => inFlight);
  app.decorateRequest('admittedAt', 0);
  app.decorateRequest('priority', 'low');

  if (settings.maxEventLoopDelayMs > 0) {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const timer = setInterval(() => {
      // The median: one long query blocking the loop once is not overload; a saturated process delays every turn.
      const medianMs = histogram.percentile(50) / 1e6;
      histogram.reset();
      overWindows = medianMs > settings.maxEventLoopDelayMs ? overWindows + 1 : 0;
    }, settings.windowMs ?? 500);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      histogram.disable();
    });
  }

  // One log line a second at most: a surge must not turn into a surge of log lines.
  const shedSince = new Map<string, number>();
  const logTimer = setInterval(() => {
    if (shedSince.size === 0) return;
    app.log.warn({ shed: Object.fromEntries(shedSince), inFlight, poolWaiting: pool.waiting }, 'requests shed: server overloaded');
    shedSince.clear();
  }, 1000);
  logTimer.unref();
  app.addHook('onClose', async () => clearInterval(logTimer));

  const shed = (request: FastifyRequest, reply: FastifyReply, priority: Priority, reason: ShedReason): FastifyReply => {
    app.metrics.requestsShed.inc({ reason, priority });
    const key = `${priority}:${reason}`;
    shedSince.set(key, (shedSince.get(key) ?? 0) + 1);
    // Spread over [n, 2n] seconds: clients told to come back all at once would make the next surge.
    const retryAfterSeconds = settings.retryAfterSeconds + Math.floor(Math.random() * (settings.retryAfterSeconds + 1));
    return send(request, reply, new AppError('SERVICE_OVERLOADED', { retryAfterSeconds }));
  };

  const reasonToShed = (priority: Priority): ShedReason | undefined => {
    const share = SHARE[priority];
    if (settings.maxInFlight > 0 && inFlight >= Math.max(1, Math.floor(settings.maxInFlight * share))) return 'inFlight';
    if (settings.maxQueueMs > 0 && pool.oldestWaitMs() > settings.maxQueueMs * share) return 'poolWait';
    if (priority !== 'critical' && overWindows >= 2) return 'eventLoopDelay';
    return undefined;
  };

  app.addHook('onRequest', async (request, reply) => {
    const priority = classifyRequest(request.method, request.url, request.headers, sessionCookie);
    request.priority = priority;
    if (priority === 'exempt') return;
    const reason = reasonToShed(priority);
    if (reason) return shed(request, reply, priority, reason);
    inFlight++;
    request.admittedAt = performance.now();
    reply.raw.once('close', () => inFlight--);
  });

  if (settings.maxQueueMs <= 0) return;
  // Before any other preValidation hook (registered later), once the session has been read.
  app.addHook('preValidation', async (request, reply) => {
    if (request.admittedAt === 0 || request.priority === 'exempt') return;
    if (Number(request.headers['content-length'] ?? 0) > SMALL_BODY_BYTES) return;
    if (performance.now() - request.admittedAt > settings.maxQueueMs * SHARE[request.priority]) return shed(request, reply, request.priority, 'queueTime');
  });
}
