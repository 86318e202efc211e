import type { Db } from '../../db/database.js';
import type { ChangeFeed } from '../../platform/change-feed.js';

type SessionRow = NonNullable<Awaited<ReturnType<typeof import('./auth.repository.js').findSessionWithProfessional>>>;

/**
 * A short-lived, per-process copy of session rows: most requests of a signed-in professional
 * then cost no database round trip to authenticate. An ended session is evicted here at once,
 * and from the other server processes as soon as its deletion commits (the change feed); a
 * process that lost its listening connection drops the whole cache when it is back.
 */
export class SessionCache {
  private readonly entries = new Map<string, { row: SessionRow; cachedAt: number }>();
  private feed: ChangeFeed | undefined;

  /** Hears the sessions other processes end. */
  attach(feed: ChangeFeed): void {
    this.feed = feed;
    feed.subscribe('sessions', (id) => this.entries.delete(id));
    feed.onResync(() => this.entries.clear());
  }

  /** Evicts here, and tells every process when `db`'s transaction commits. */
  async ended(db: Db, ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.entries.delete(id);
      await this.feed?.publish(db, 'sessions', id);
    }
  }

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(id: string, now: Date): SessionRow | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (now.getTime() - entry.cachedAt >= this.ttlMs || now.getTime() < entry.cachedAt) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.row;
  }

  set(id: string, row: SessionRow, now: Date): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { row, cachedAt: now.getTime() });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
