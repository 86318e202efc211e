import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

export interface AdmissionSettings {
  /** Median event-loop delay (ms) past which new requests are refused; 0 turns admission control off. */
  maxEventLoopDelayMs: number;
  retryAfterSeconds: number;
  /** Length of one measurement window (ms). */
  windowMs?: number;
}

// Probes and metrics must answer precisely when the process is overloaded.
const ALWAYS_ADMITTED = /^\/(healthz|readyz|metrics)(\?|$)/;

/**
 * Admission control (docs/domain.md, Continuity: overload): while the process is overloaded, new requests
 * are refused at once with 503 + Retry-After instead of queueing until every client times
 * out; the portal's outbox honours Retry-After.
 *
 * Overloaded means the MEDIAN event-loop delay stayed above the limit for two windows in a
 * row: with the embedded database a single long query blocks the loop once, which is not
 * overload, whereas a saturated process delays every turn of the loop.
 */
export function registerAdmissionControl(app: FastifyInstance, settings: AdmissionSettings): void {
  let overWindows = 0;
  app.decorate('isOverloaded', () => overWindows >= 2);
  if (settings.maxEventLoopDelayMs <= 0) return;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const timer = setInterval(() => {
    const medianMs = histogram.percentile(50) / 1e6;
    histogram.reset();
    overWindows = medianMs > settings.maxEventLoopDelayMs ? overWindows + 1 : 0;
  }, settings.windowMs ?? 1000);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    histogram.disable();
  });
  app.addHook('onRequest', async (request) => {
    if (overWindows < 2 || ALWAYS_ADMITTED.test(request.url)) return;
    app.metrics.requestsShed.inc({ reason: 'eventLoopDelay' });
    request.log.warn('request shed: server overloaded');
    throw new AppError('SERVICE_OVERLOADED', { retryAfterSeconds: settings.retryAfterSeconds });
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** True while admission control refuses requests. */
    isOverloaded(): boolean;
  }
}
