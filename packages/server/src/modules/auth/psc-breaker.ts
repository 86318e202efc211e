import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { closeAutomaticIncident, openAutomaticIncident, type OpenIncidents } from '../incidents/incidents.service.js';

export type BreakerState = 'closed' | 'open';

export interface PscBreakerOptions {
  /** Consecutive outage failures (network, timeout, 5xx) that open the breaker. */
  failureThreshold: number;
  /** While open, PSC is probed this often; also the Retry-After of refused sign-ins. */
  probeSeconds: number;
  /**
   * While closed, PSC is checked this often too (0: never), each failure counting like a failed
   * call. Without it an outage goes unseen: browsers stuck at PSC never come back to the
   * server, and the discovery document is cached, so no server call to PSC fails.
   */
  watchSeconds?: number;
  log?: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  /** 1 while open, 0 while closed (a Prometheus gauge). */
  gauge?: { set(value: number): void };
  /** Side effects of the transitions (the automatic incident); their failures are logged, never thrown. */
  onOpen?: () => Promise<void>;
  onClose?: () => Promise<void>;
  /** Whether an automatic incident is open (perhaps by another process, or one that died): a success closes it. */
  incidentOpen?: () => Promise<boolean>;
}

/**
 * A circuit breaker in front of Pro Santé Connect (docs/domain.md, Continuity). After enough consecutive
 * outage failures it opens: sign-ins are refused at once instead of each waiting for a
 * timeout (which also spares PSC the surge), and a timer probes PSC until it answers.
 * There is no half-open state letting user traffic through: the probe is the trial call.
 */
export class PscBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #probing: Promise<boolean> | undefined;
  #probeCall: (() => Promise<unknown>) | undefined;
  /** Side effects run one after the other, so a quick open-then-close cannot leave an incident open. */
  #effects: Promise<void> = Promise.resolve();
  #stopped = false;
  #watch: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: PscBreakerOptions,
    /** Which errors mean "PSC unavailable" (the others are the user's and prove PSC answered). */
    private readonly isOutage: (error: unknown) => boolean,
  ) {
    options.gauge?.set(0);
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** The call that tells whether PSC is back (discovery); set by the client that owns the breaker. */
  setProbe(call: () => Promise<unknown>): void {
    this.#probeCall = call;
  }

  /** Starts the check of PSC while closed (see `watchSeconds`). */
  watch(): void {
    const seconds = this.options.watchSeconds ?? 0;
    if (seconds <= 0 || this.#watch || this.#stopped) return;
    this.#watch = setInterval(() => {
      // While open, the probe timer does this job.
      if (this.#state === 'closed' && this.#probeCall) void this.call(this.#probeCall).catch(() => undefined);
    }, seconds * 1000);
    this.#watch.unref();
  }

  /** Refuses at once while open. */
  assertClosed(): void {
    if (this.#state === 'open') throw new AppError('AUTH_PROVIDER_CIRCUIT_OPEN', { retryAfterSeconds: this.options.probeSeconds });
  }

  /** Runs one PSC call through the breaker. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    this.assertClosed();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      // The request that trips the breaker waits for the incident to be recorded, so what it reports is already true.
      if (this.isOutage(error)) await this.#recordFailure();
      else await this.#recordSuccess();
      throw error;
    }
    await this.#recordSuccess();
    return result;
  }

  /** One probe of PSC (the timer calls it; tests call it directly). True when PSC answered. */
  probe(): Promise<boolean> {
    this.#probing ??= this.#runProbe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  /** Resolves when the side effects of past transitions are done. */
  settled(): Promise<void> {
    return this.#effects;
  }

  /** Stops the probe timer for good (the app is closing). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#watch);
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #runProbe(): Promise<boolean> {
    if (!this.#probeCall) return false;
    try {
      await this.#probeCall();
    } catch (error) {
      this.options.log?.info({ err: error instanceof Error ? error.message : String(error) }, 'psc breaker: probe failed, PSC still unavailable');
      return false;
    }
    if (this.#state === 'open') await this.#close();
    else await this.#recordSuccess();
    return true;
  }

  async #recordFailure(): Promise<void> {
    this.#failures += 1;
    if (this.#state === 'closed' && this.#failures >= this.options.failureThreshold) await this.#open();
  }

  async #recordSuccess(): Promise<void> {
    this.#failures = 0;
    if (this.#state === 'closed' && (await this.options.incidentOpen?.().catch(() => false))) {
      await this.#effect(this.options.onClose, 'close');
    }
  }

  /**
   * Follows the deployment's breaker: an automatic `psc` incident opened by another process
   * opens this one (sign-ins refused, probes started), and its end closes it again. No side
   * effect, the incident already says it. A breaker this process opened itself is closed only
   * by its own probe, so a stale read can never close it early.
   */
  follow(incidentOpen: boolean): void {
    if (this.#stopped) return;
    if (incidentOpen && this.#state === 'closed') {
      this.#adopted = true;
      this.options.log?.warn('psc breaker: open, following another process (automatic psc incident)');
      this.#enterOpen();
    } else if (!incidentOpen && this.#state === 'open' && this.#adopted) {
      this.#enterClosed();
      this.options.log?.info('psc breaker: closed, following another process (the automatic psc incident ended)');
    }
  }

  #adopted = false;

  async #open(): Promise<void> {
    this.#adopted = false;
    this.options.log?.warn({ failures: this.#failures, probeSeconds: this.options.probeSeconds }, 'psc breaker: open, PSC sign-ins refused until a probe succeeds');
    this.#enterOpen();
    await this.#effect(this.options.onOpen, 'open');
  }

  #enterOpen(): void {
    this.#state = 'open';
    this.options.gauge?.set(1);
    if (!this.#stopped) {
      this.#timer = setInterval(() => void this.probe(), this.options.probeSeconds * 1000);
      // A pending probe must never keep the process (or a test run) alive.
      this.#timer.unref();
    }
  }

  async #close(): Promise<void> {
    this.#enterClosed();
    this.options.log?.info('psc breaker: closed, PSC answered the probe');
    await this.#effect(this.options.onClose, 'close');
  }

  #enterClosed(): void {
    this.#state = 'closed';
    this.#adopted = false;
    this.#failures = 0;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.options.gauge?.set(0);
  }

  #effect(effect: (() => Promise<void>) | undefined, transition: 'open' | 'close'): Promise<void> {
    if (!effect) return this.#effects;
    this.#effects = this.#effects.then(effect).catch((error: unknown) => {
      this.options.log?.error({ err: error, transition }, 'psc breaker: could not record the automatic incident');
    });
    return this.#effects;
  }
}

/** The breaker's side effects: the automatic `psc` incident, seen at once by every process's banners, sessions and breakers. */
export function automaticPscIncident(deps: { db: Db; incidents: OpenIncidents; clock: Clock; testAttestationHours: number }) {
  return {
    onOpen: async () => {
      await openAutomaticIncident(deps.db, 'psc', deps.clock.now(), deps.testAttestationHours);
      await deps.incidents.changed(deps.db);
    },
    onClose: async () => {
      await closeAutomaticIncident(deps.db, 'psc', deps.clock.now());
      await deps.incidents.changed(deps.db);
    },
    // Read from the per-process cache: checked at every successful PSC call.
    incidentOpen: async () => (await deps.incidents.list()).some((incident) => incident.component === 'psc' && incident.source === 'automatic'),
  };
}
