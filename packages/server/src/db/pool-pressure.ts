import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/** Who gets a database connection first when callers wait (platform/admission.ts sets it per request). */
export type ConnectionPriority = 'critical' | 'normal' | 'low';

/** The priority of the request this code runs for; background work runs as 'normal'. */
export const connectionPriority = new AsyncLocalStorage<ConnectionPriority>();

const ORDER: readonly ConnectionPriority[] = ['critical', 'normal', 'low'];

interface Waiter {
  since: number;
  grant: () => void;
}

/**
 * The gate in front of the database connections: at most `capacity` in use (the pool's size;
 * one for PGlite), and callers waiting in three queues served by priority, first come first
 * served within each. Under a surge the queue forms here while the event loop stays calm, so
 * admission control reads it: how many wait, and the oldest one's age.
 */
export class PoolPressure {
  private active = 0;
  private readonly queues: Record<ConnectionPriority, Waiter[]> = { critical: [], normal: [], low: [] };
  /** Called with each completed wait, in seconds (for the metrics histogram). */
  onWait: ((seconds: number) => void) | undefined;

  constructor(private readonly capacity: number) {}

  /** Number of callers waiting for a connection now. */
  get waiting(): number {
    return this.queues.critical.length + this.queues.normal.length + this.queues.low.length;
  }

  /** Age in ms of the oldest caller still waiting (0 when none waits). */
  oldestWaitMs(now = performance.now()): number {
    let oldest = now;
    for (const priority of ORDER) oldest = Math.min(oldest, this.queues[priority][0]?.since ?? now);
    return now - oldest;
  }

  /**
   * Waits for a free slot (at most `timeoutMs`, then rejects with `timeoutError()`); the
   * returned function gives it back, once.
   */
  async acquire(timeoutMs: number, timeoutError: () => Error): Promise<() => void> {
    const since = performance.now();
    if (this.active < this.capacity && this.waiting === 0) {
      this.active++;
      this.onWait?.(0);
      return this.releaser();
    }
    const queue = this.queues[connectionPriority.getStore() ?? 'normal'];
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { since, grant: resolve };
      queue.push(waiter);
      const timer = setTimeout(() => {
        const index = queue.indexOf(waiter);
        if (index < 0) return;
        queue.splice(index, 1);
        reject(timeoutError());
      }, timeoutMs);
      waiter.grant = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.onWait?.((performance.now() - since) / 1000);
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = ORDER.map((priority) => this.queues[priority]).find((queue) => queue.length > 0)?.shift();
      // The slot passes straight to the next waiter: `active` stays the same.
      if (next) next.grant();
      else this.active--;
    };
  }
}
