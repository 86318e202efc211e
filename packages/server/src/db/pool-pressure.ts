import { performance } from 'node:perf_hooks';

/**
 * How long requests are queueing for a database connection in this process. Under a surge
 * the queue forms here (the pool is full, the event loop is calm), so admission control
 * reads it: the age of the oldest waiter is the delay every new request would add to it.
 */
export class PoolPressure {
  // Insertion-ordered: the first entry is the oldest waiter (waiters are served in order).
  private readonly waiters = new Map<number, number>();
  private next = 0;
  /** Called with each completed wait, in seconds (for the metrics histogram). */
  onWait: ((seconds: number) => void) | undefined;

  /** Number of callers waiting for a connection now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Age in ms of the oldest caller still waiting for a connection (0 when none waits). */
  oldestWaitMs(now = performance.now()): number {
    const first = this.waiters.values().next();
    return first.done ? 0 : now - first.value;
  }

  /** Wraps one acquisition: its wait is counted until `acquire` settles. */
  async track<T>(acquire: () => Promise<T>): Promise<T> {
    const id = this.next++;
    const started = performance.now();
    this.waiters.set(id, started);
    try {
      return await acquire();
    } finally {
      this.waiters.delete(id);
      this.onWait?.((performance.now() - started) / 1000);
    }
  }
}
