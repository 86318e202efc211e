import type { Db } from '../../db/database.js';
import type { ChangeFeed } from '../../platform/change-feed.js';
import type { Clock } from '../../platform/clock.js';
import { listPublished } from './messages.repository.js';

export type PublishedMessage = Awaited<ReturnType<typeof listPublished>>[number];

/**
 * The published messages (current versions), read at most once per `ttlMs` per process: every
 * inbox request and the public page read them, and there are tens of them, not thousands, so an
 * inbox costs the professional's own zones and receipts only. Publishing, correcting and
 * withdrawing call `changed()`: this process reads them again at once, the others when the
 * change commits (the change feed).
 */
export class ActiveMessages {
  private cached: { at: number; messages: Promise<PublishedMessage[]> } | undefined;
  private feed: ChangeFeed | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
  ) {}

  list(): Promise<PublishedMessage[]> {
    const now = this.clock.now().getTime();
    if (!this.cached || now - this.cached.at >= this.ttlMs || now < this.cached.at) {
      const messages = listPublished(this.db);
      this.cached = { at: now, messages };
      messages.catch(() => {
        if (this.cached?.messages === messages) this.cached = undefined;
      });
    }
    return this.cached.messages;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  attach(feed: ChangeFeed): void {
    this.feed = feed;
    feed.subscribe('messages', () => this.invalidate());
    feed.onResync(() => this.invalidate());
  }

  /** In the transaction that publishes, corrects or withdraws. */
  async changed(db: Db): Promise<void> {
    this.invalidate();
    await this.feed?.publish(db, 'messages');
  }
}
