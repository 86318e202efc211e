import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

export interface AdmissionSettings {
  /** Event-loop delay (ms) past which new requests are refused; 0 turns admission control off. */
  maxEventLoopDelayMs: number;
  retryAfterSeconds: number;
}

// Probes and metrics must answer precisely when the process is overloaded.
const ALWAYS_ADMITTED = /^\/(healthz|readyz|metrics)(\?|$)/;

/**
 * Admission control (DOMAIN.md §4, overload): when the event loop lags, new requests are
 * refused at once with 503 + Retry-After instead of queueing until every client times out.
 * The portal's outbox honours Retry-After, so the refused acts come back later, spread out.
 */
export async function registerAdmissionControl(app: FastifyInstance, settings: AdmissionSettings): Promise<void> {
  if (settings.maxEventLoopDelayMs <= 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: settings.maxEventLoopDelayMs,
    sampleInterval: 100,
    pressureHandler: async (request, _reply, type, value) => {
      if (ALWAYS_ADMITTED.test(request.url)) return;
      app.metrics.requestsShed.inc({ reason: type });
      request.log.warn({ type, value }, 'request shed: server overloaded');
      throw new AppError('SERVICE_OVERLOADED', { retryAfterSeconds: settings.retryAfterSeconds });
    },
  });
}
