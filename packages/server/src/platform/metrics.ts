import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  signIns: Counter<'outcome'>;
  pscCircuitOpen: Gauge;
  requestsShed: Counter<'reason' | 'priority'>;
  poolWait: Histogram;
  passVerifications: Counter<'status'>;
  trustedSigners: Gauge<'origin'>;
}

/** One registry per app instance, so that tests building several apps do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'prostopcovid_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'psc_sign_ins_total',
      help: 'Pro Santé Connect sign-in attempts, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    pscCircuitOpen: new Gauge({
      name: 'psc_circuit_open',
      help: 'Pro Santé Connect circuit breaker of this process: 1 open (sign-ins refused), 0 closed',
      registers: [registry],
    }),
    requestsShed: new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests refused with 503 by admission control, by cause (inFlight, poolWait, queueTime, eventLoopDelay) and priority',
      labelNames: ['reason', 'priority'],
      registers: [registry],
    }),
    poolWait: new Histogram({
      name: 'db_pool_wait_seconds',
      help: 'Time spent waiting for a database connection in this process',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    passVerifications: new Counter({
      name: 'dcc_verifications_total',
      help: 'Pass verifications through the API, by verdict (valid, invalid, unverifiable)',
      labelNames: ['status'],
      registers: [registry],
    }),
    trustedSigners: new Gauge({
      name: 'dcc_trusted_signers',
      help: 'Document signer certificates the verifier trusts, by origin (own, imported)',
      labelNames: ['origin'],
      registers: [registry],
    }),
  };
}
