import type { PGlite } from '@electric-sql/pglite';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../db/database.js';

/**
 * What one process changes and the others cache: ended sessions (payload: the session id),
 * incidents (no payload: the list is read again) and the imported trust list (payload: its
 * SHA-256; a process holding another one reads its source again) and urgent messages (no
 * payload: the published list is read again).
 */
export type ChangeChannel = 'sessions' | 'incidents' | 'trust_list' | 'messages';

/**
 * Cache invalidation across the server processes of one deployment, through PostgreSQL's
 * LISTEN/NOTIFY (docs/domain.md, Continuity: several processes). A change is published in the
 * transaction that makes it, so every process, this one included, hears of it when it commits
 * and only if it commits. Channel names carry the schema, so deployments (and test runs) that
 * share a database do not hear each other.
 *
 * Notifications are not stored: a process whose listening connection drops may miss some, so
 * on reconnection it calls the `onResync` listeners, which drop their whole cache.
 */
export class ChangeFeed {
  private readonly listeners = new Map<ChangeChannel, Array<(payload: string) => void>>();
  private readonly resyncListeners: Array<() => void> = [];
  private client: pg.Client | undefined;
  private unlistenPglite: Array<() => Promise<void>> = [];
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    private readonly schema: string,
    private readonly log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
  ) {}

  /** Listens on PostgreSQL at `url` (its own connection, outside the pool), or on the embedded PGlite. */
  static async open(options: { schema: string; url?: string | undefined; pglite?: PGlite | undefined; log: Pick<FastifyBaseLogger, 'warn' | 'info'> }): Promise<ChangeFeed> {
    const feed = new ChangeFeed(options.schema, options.log);
    if (options.url) await feed.connect(options.url);
    else if (options.pglite) {
      for (const channel of CHANNELS) feed.unlistenPglite.push(await options.pglite.listen(feed.channelName(channel), (payload) => feed.dispatch(channel, payload)));
    }
    return feed;
  }

  subscribe(channel: ChangeChannel, listener: (payload: string) => void): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  /** Run inside the transaction making the change: heard everywhere when it commits. */
  async publish(db: Db, channel: ChangeChannel, payload = ''): Promise<void> {
    await sql`select pg_notify(${this.channelName(channel)}, ${payload})`.execute(db);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await Promise.all(this.unlistenPglite.map((unlisten) => unlisten().catch(() => undefined)));
    await this.client?.end().catch(() => undefined);
  }

  private channelName(channel: ChangeChannel): string {
    return `${this.schema}_${channel}`;
  }

  private dispatch(channel: ChangeChannel, payload: string): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(payload);
  }

  private async connect(url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => {
      const channel = CHANNELS.find((c) => this.channelName(c) === message.channel);
      if (channel) this.dispatch(channel, message.payload ?? '');
    });
    const lost = (error?: Error) => {
      if (this.closed || this.client !== client) return;
      this.client = undefined;
      this.log.warn({ err: error?.message }, 'change feed: listening connection lost, reconnecting');
      this.scheduleReconnect(url);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    for (const channel of CHANNELS) await client.query(`listen "${this.channelName(channel)}"`);
    this.client = client;
  }

  private scheduleReconnect(url: string): void {
    this.retry = setTimeout(() => {
      this.connect(url).then(
        () => {
          this.log.info('change feed: listening again; caches dropped (notifications may have been missed)');
          for (const listener of this.resyncListeners) listener();
        },
        () => this.scheduleReconnect(url),
      );
    }, 1000);
    this.retry.unref();
  }
}

const CHANNELS: readonly ChangeChannel[] = ['sessions', 'incidents', 'trust_list', 'messages'];
