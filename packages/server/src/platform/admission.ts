import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { connectionPriority, type PoolPressure } from '../db/pool-pressure.js';
import { errorPage, send } from './error-handler.js';
import { AppError, errorCatalogue } from './errors.js';

export interface AdmissionSettings {
  /** Admitted requests in flight in this process past which new ones are shed (0: no limit). */
  maxInFlight: number;
  /**
   * Longest a critical request may queue (for a database connection, or between its arrival
   * and its handler); normal ones get 3/4 of it, low ones half. 0: not checked.
   */
  maxQueueMs: number;
  /** Median event-loop delay (ms) over two windows in a row past which normal requests are shed (low ones at half of it; 0: off). */
  maxEventLoopDelayMs: number;
  retryAfterSeconds: number;
  /** Length of one event-loop measurement window (ms). */
  windowMs?: number;
}

/**
 * Who passes first when the process is short of capacity (docs/domain.md, Continuity: overload).
 * critical: sign-in callbacks (a professional mid-sign-in), acts sent with an Idempotency-Key
 * (the portal's outbox replaying what was done during an outage) and the laboratory API;
 * normal: other requests carrying a session cookie, and laboratories' long codes (made in
 * advance, they can wait for a quieter moment); low: anonymous requests.
 */
export type Priority = 'critical' | 'normal' | 'low';

/** Share of each limit a priority may use: the rest is kept for the ones above it. */
const SHARE: Record<Priority, number> = { critical: 1, normal: 0.75, low: 0.5 };

export type ShedReason = 'inFlight' | 'queueTime' | 'poolWait' | 'eventLoopDelay';

// Probes and metrics must answer precisely when the process is overloaded.
const EXEMPT = /^\/(healthz|readyz|metrics)(\?|$)/;
const CRITICAL_PATH = /^\/(auth\/callback|api\/labs\/)/;
const DEFERRABLE_LAB_PATH = /^\/api\/labs\/v1\/long-codes(\?|$)/;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);
// Bodies this small arrive with their headers: the time before the handler is then queueing, not a slow upload.
const SMALL_BODY_BYTES = 64 * 1024;

/**
 * Read from the raw request only (method, URL, headers): classifying must cost next to
 * nothing, since under a surge most requests are only classified and refused. A forged
 * cookie or Idempotency-Key buys no right, only a place in the queue; per-professional and
 * per-key limits (client-limits.ts) apply once the caller is known.
 */
export function classifyRequest(method: string, url: string, headers: IncomingMessage['headers'], sessionCookie: string): Priority | 'exempt' {
  if (EXEMPT.test(url)) return 'exempt';
  if (DEFERRABLE_LAB_PATH.test(url)) return 'normal';
  if (CRITICAL_PATH.test(url)) return 'critical';
  const hasSession = typeof headers.cookie === 'string' && headers.cookie.includes(`${sessionCookie}=`);
  if (hasSession && WRITE_METHODS.has(method) && headers['idempotency-key'] !== undefined) return 'critical';
  return hasSession ? 'normal' : 'low';
}

declare module 'fastify' {
  interface FastifyInstance {
    /** True while the event loop has stayed late enough to shed anonymous requests (one of admission control's signals). */
    isOverloaded(): boolean;
    /** Admitted requests being served by this process now. */
    inFlight(): number;
  }
}

/** What admission control decided for a request, kept on the raw request. */
interface Admitted {
  priority: Priority | 'exempt';
  /** performance.now() when admitted. */
  at: number;
}
const ADMITTED = Symbol('admitted');
type Decision = { shed: true; priority: Priority; reason: ShedReason } | { shed: false; priority: Priority | 'exempt' };
type ScreenedRequest = IncomingMessage & { [ADMITTED]?: Admitted };

const SHED_MESSAGE = errorCatalogue.SERVICE_OVERLOADED[1];

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
 * Each priority sheds at its own share of each limit, so anonymous requests go first.
 *
 * The decision is taken on the raw request, before Fastify routes it (`serverFactory`): under
 * a surge most requests are only refused, and a refusal must cost next to nothing or the
 * refusals themselves saturate the process. Requests injected by tests, which bypass the
 * HTTP server, are screened by the same rules in the first onRequest hook.
 */
export class AdmissionControl {
  private inFlight = 0;
  /** The lower of the last two windows' median event-loop delays (ms): sustained lateness, not one long block. */
  private sustainedDelayMs = 0;
  private onShed: ((priority: Priority, reason: ShedReason) => void) | undefined;

  constructor(
    private readonly settings: AdmissionSettings,
    private readonly pool: PoolPressure,
    private readonly sessionCookie: string,
  ) {}

  /** For Fastify's `serverFactory`: an HTTP server that screens each request before Fastify sees it. */
  readonly serverFactory = (handler: (req: IncomingMessage, res: ServerResponse) => void, options: FastifyServerOptions): Server => {
    const server = createServer((req: ScreenedRequest, res) => {
      const decision = this.decide(req.method ?? 'GET', req.url ?? '/', req.headers);
      if (decision.shed) {
        this.writeShed(req, res, decision.priority, decision.reason);
        return;
      }
      req[ADMITTED] = this.admit(decision.priority, res);
      // Its database connection, when it waits for one, is given by the same priority.
      connectionPriority.run(decision.priority === 'exempt' ? 'critical' : decision.priority, () => handler(req, res));
    });
    // What Fastify does to the servers it creates itself.
    server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
    server.requestTimeout = options.requestTimeout ?? 0;
    server.setTimeout(options.connectionTimeout ?? 0);
    return server;
  };

  private admit(priority: Priority | 'exempt', res: ServerResponse): Admitted {
    if (priority !== 'exempt') {
      this.inFlight++;
      res.once('close', () => this.inFlight--);
    }
    return { priority, at: performance.now() };
  }

  /** The request's priority, and whether (and why) it is refused now. */
  private decide(method: string, url: string, headers: IncomingMessage['headers']): Decision {
    const priority = classifyRequest(method, url, headers, this.sessionCookie);
    if (priority === 'exempt') return { shed: false, priority };
    const reason = this.reasonToShed(priority);
    return reason ? { shed: true, priority, reason } : { shed: false, priority };
  }

  private reasonToShed(priority: Priority): ShedReason | undefined {
    const share = SHARE[priority];
    const { maxInFlight, maxQueueMs } = this.settings;
    if (maxInFlight > 0 && this.inFlight >= Math.max(1, Math.floor(maxInFlight * share))) return 'inFlight';
    if (maxQueueMs > 0 && this.pool.oldestWaitMs() > maxQueueMs * share) return 'poolWait';
    if (priority !== 'critical' && this.settings.maxEventLoopDelayMs > 0 && this.sustainedDelayMs > this.settings.maxEventLoopDelayMs * share) return 'eventLoopDelay';
    return undefined;
  }

  /** Spread over [n, 2n] seconds: clients told to come back all at once would make the next surge. */
  private retryAfter(): number {
    return this.settings.retryAfterSeconds + Math.floor(Math.random() * (this.settings.retryAfterSeconds + 1));
  }

  /** The catalogue's SERVICE_OVERLOADED answer, written by hand: the same body and headers as send() gives. */
  private writeShed(req: IncomingMessage, res: ServerResponse, priority: Priority, reason: ShedReason): void {
    this.onShed?.(priority, reason);
    const requestId = randomUUID();
    const retryAfterSeconds = this.retryAfter();
    const html = (req.headers.accept ?? '').includes('text/html');
    const body = html
      ? errorPage('Service indisponible', SHED_MESSAGE, requestId)
      : JSON.stringify({ error: { code: 'SERVICE_OVERLOADED', message: SHED_MESSAGE, requestId, retryAfterSeconds } });
    res.writeHead(503, {
      'content-type': html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(retryAfterSeconds),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'x-request-id': requestId,
    });
    res.end(body);
  }

  /** Decorations, the event-loop monitor, the shed counter and log, and the hooks. */
  register(app: FastifyInstance): void {
    const settings = this.settings;
    app.decorate('isOverloaded', () => settings.maxEventLoopDelayMs > 0 && this.sustainedDelayMs > settings.maxEventLoopDelayMs * SHARE.low);
    app.decorate('inFlight', () => this.inFlight);

    if (settings.maxEventLoopDelayMs > 0) {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      let previousMs = 0;
      const timer = setInterval(() => {
        // The median: one long query blocking the loop once is not overload; a saturated process delays every turn.
        const medianMs = histogram.percentile(50) / 1e6;
        histogram.reset();
        this.sustainedDelayMs = Math.min(previousMs, medianMs);
        previousMs = medianMs;
      }, settings.windowMs ?? 500);
      timer.unref();
      app.addHook('onClose', async () => {
        clearInterval(timer);
        histogram.disable();
      });
    }

    // One log line a second at most: a surge must not turn into a surge of log lines.
    const shedSince = new Map<string, number>();
    this.onShed = (priority, reason) => {
      app.metrics.requestsShed.inc({ reason, priority });
      const key = `${priority}:${reason}`;
      shedSince.set(key, (shedSince.get(key) ?? 0) + 1);
    };
    const logTimer = setInterval(() => {
      if (shedSince.size === 0) return;
      app.log.warn({ shed: Object.fromEntries(shedSince), inFlight: this.inFlight, poolWaiting: this.pool.waiting }, 'requests shed: server overloaded');
      shedSince.clear();
    }, 1000);
    logTimer.unref();
    app.addHook('onClose', async () => clearInterval(logTimer));

    const shed = (request: FastifyRequest, reply: FastifyReply, priority: Priority, reason: ShedReason) => {
      this.onShed?.(priority, reason);
      return send(request, reply, new AppError('SERVICE_OVERLOADED', { retryAfterSeconds: this.retryAfter() }));
    };

    // Requests that did not come through the HTTP server (inject) are screened here.
    app.addHook('onRequest', async (request, reply) => {
      const raw = request.raw as ScreenedRequest;
      if (raw[ADMITTED]) return;
      const decision = this.decide(request.method, request.url, request.headers);
      if (decision.shed) return shed(request, reply, decision.priority, decision.reason);
      raw[ADMITTED] = this.admit(decision.priority, reply.raw);
    });

    if (settings.maxQueueMs <= 0) return;
    // Before any other preValidation hook (registered later), once the session has been read.
    app.addHook('preValidation', async (request, reply) => {
      const admitted = (request.raw as ScreenedRequest)[ADMITTED];
      if (!admitted || admitted.priority === 'exempt') return;
      if (Number(request.headers['content-length'] ?? 0) > SMALL_BODY_BYTES) return;
      if (performance.now() - admitted.at > settings.maxQueueMs * SHARE[admitted.priority]) return shed(request, reply, admitted.priority, 'queueTime');
    });
  }
}
