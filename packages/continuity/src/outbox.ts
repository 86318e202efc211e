import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';

export type ActKind = 'test' | 'vaccination';

/**
 * Crockford's Base32 alphabet (no I, L, O, U), of every code of the service: declaration
 * codes, retrieval codes, UVCIs. 32 characters: the low 5 bits of a random byte pick one
 * without bias.
 */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RETRIEVAL_CODE_LENGTH = 12;

/** "K7Q4XM2PA9BC" → "K7Q4-XM2P-A9BC", as printed. */
export function groupRetrievalCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/**
 * The patient's retrieval code (12 Crockford base32 characters, grouped by four), chosen by the
 * client so that it can be printed before the server is reached.
 */
export function generateRetrievalCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RETRIEVAL_CODE_LENGTH));
  return groupRetrievalCode(Array.from(bytes, (b) => CROCKFORD_ALPHABET[b & 31]).join(''));
}

/**
 * - pending: waits to be sent (or is being sent);
 * - sent: the server stored it (once, whatever the number of attempts);
 * - rejected: the server refused it (validation): the professional corrects and resends it;
 * - conflict: its idempotency key was used for a different act: shown, never dropped.
 */
export type OutboxStatus = 'pending' | 'sent' | 'rejected' | 'conflict';

export interface OutboxEntry<Body = unknown> {
  /** Client-generated idempotency key (UUID v4), sent as Idempotency-Key. */
  key: string;
  kind: ActKind;
  body: Body;
  /** When the act was saved locally (ISO 8601): the act time, whatever the entry time. */
  capturedAt: string;
  status: OutboxStatus;
  attempts: number;
  lastError?: { status?: number; code?: string; message: string; details?: unknown };
  /** What the server answered once stored. */
  result?: { id: string; recordedAt: string };
}

export interface OutboxStore {
  all(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
}

export type SendOutcome =
  | { kind: 'stored'; id: string; recordedAt: string }
  /** Network failure, 5xx, 429/503: the act stays queued and the sender backs off. */
  | { kind: 'retry'; message: string; retryAfterMs?: number }
  | { kind: 'rejected'; status: number; code?: string; message: string; details?: unknown }
  | { kind: 'conflict'; status: number; code?: string; message: string }
  /** 401 or CSRF: nothing can be sent until the professional signs in again. */
  | { kind: 'unauthenticated'; message: string };

export type Transport = (entry: OutboxEntry) => Promise<SendOutcome>;

export type SenderState =
  | { kind: 'idle' }
  | { kind: 'sending' }
  | { kind: 'waiting'; until: number; failures: number; message: string }
  | { kind: 'signed-out'; message: string };

export interface OutboxSenderOptions {
  store: OutboxStore;
  transport: Transport;
  policy?: BackoffPolicy;
  /** Pause between two acts of a backlog, so that a returning client does not flood the server. */
  spacingMs?: number;
  now?: () => number;
  random?: () => number;
  onChange?: () => void;
}

/**
 * Sends an outbox in order, one act at a time, each with its idempotency key, so an act is
 * stored once however many times it is sent (retries, two tabs, a reload mid-request).
 * One failure schedules the next attempt with capped exponential backoff and full jitter
 * (or the server's Retry-After if longer); rejected acts are set aside for correction and
 * do not block the others.
 */
export class OutboxSender {
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private rerun = false;
  state: SenderState = { kind: 'idle' };

  constructor(private readonly options: OutboxSenderOptions) {}

  /** "Envoyer maintenant" (and a page opening): forget the backoff and send at once. */
  kick(): Promise<void> {
    this.failures = 0;
    return this.flush();
  }

  /**
   * A new act was saved: sent at once, unless the server is known to be unreachable; it then
   * leaves with the others at the next (jittered) try, so that the acts recorded during an
   * outage do not undo the spreading of the retries.
   */
  submit(): Promise<void> {
    if (this.state.kind === 'waiting') return Promise.resolve();
    return this.flush();
  }

  /**
   * The network is back (the browser's `online` event). Every client on that network hears it
   * at the same moment: each waits a random part of its window (at most `spreadMs`) rather
   * than retrying together.
   */
  networkBack(spreadMs = 30_000): void {
    if (this.stopped) return;
    if (this.state.kind !== 'waiting') {
      void this.flush();
      return;
    }
    const policy = this.options.policy ?? defaultBackoff;
    const wait = backoffDelay(this.failures, { ...policy, capMs: Math.min(policy.capMs, spreadMs) }, this.options.random);
    const now = (this.options.now ?? Date.now)();
    if (now + wait >= this.state.until) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), wait);
    this.setState({ ...this.state, until: now + wait });
  }

  /** Sends pending acts unless a flush is already running; resolves when this pass ends. */
  flush(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // An act saved while a pass is ending must not wait for the next timer.
    if (this.running) this.rerun = true;
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async pass(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.setState({ kind: 'sending' });
    const now = this.options.now ?? Date.now;
    let sentOne = false;
    for (;;) {
      this.rerun = false;
      const next = (await this.options.store.all()).filter((e) => e.status === 'pending').sort(byCapture)[0];
      if (this.stopped) break;
      if (!next) {
        if (this.rerun) continue;
        break;
      }
      if (sentOne && this.options.spacingMs) await sleep(this.options.spacingMs);
      const outcome = await this.options.transport(next).catch((error: unknown): SendOutcome => ({ kind: 'retry', message: errorMessage(error) }));
      const entry: OutboxEntry = { ...next, attempts: next.attempts + 1 };
      switch (outcome.kind) {
        case 'stored':
          this.failures = 0;
          sentOne = true;
          await this.options.store.put({ ...entry, status: 'sent', result: { id: outcome.id, recordedAt: outcome.recordedAt }, lastError: undefined });
          break;
        case 'rejected':
          await this.options.store.put({ ...entry, status: 'rejected', lastError: { status: outcome.status, code: outcome.code, message: outcome.message, details: outcome.details } });
          break;
        case 'conflict':
          await this.options.store.put({ ...entry, status: 'conflict', lastError: { status: outcome.status, code: outcome.code, message: outcome.message } });
          break;
        case 'unauthenticated':
          await this.options.store.put({ ...entry, lastError: { status: 401, message: outcome.message } });
          this.setState({ kind: 'signed-out', message: outcome.message });
          return;
        case 'retry': {
          this.failures += 1;
          await this.options.store.put({ ...entry, lastError: { message: outcome.message } });
          const wait = Math.max(backoffDelay(this.failures, this.options.policy ?? defaultBackoff, this.options.random), outcome.retryAfterMs ?? 0);
          this.timer = setTimeout(() => void this.flush(), wait);
          this.setState({ kind: 'waiting', until: now() + wait, failures: this.failures, message: outcome.message });
          return;
        }
      }
      this.options.onChange?.();
    }
    this.setState({ kind: 'idle' });
  }

  private setState(state: SenderState): void {
    this.state = state;
    this.options.onChange?.();
  }
}

function byCapture(a: OutboxEntry, b: OutboxEntry): number {
  return a.capturedAt < b.capturedAt ? -1 : a.capturedAt > b.capturedAt ? 1 : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
