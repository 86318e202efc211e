import type { Db } from '../../db/database.js';
import type { IncidentComponent } from '../../db/schema.js';
import type { ChangeFeed } from '../../platform/change-feed.js';
import type { Clock } from '../../platform/clock.js';
import { findOpenIncidents } from './incidents.repository.js';

export interface OpenIncident {
  id: string;
  component: IncidentComponent;
  startedAt: Date;
  endedAt: Date | null;
  testAttestationHours: number;
  message: string | null;
  source: 'operator' | 'automatic';
}

/**
 * The incidents open now, read at most once per `ttlMs` per process: every request checks
 * them (session idle timeout, second sign-in channel, banners), so they must cost nothing.
 * Whoever opens, changes or closes an incident calls `changed()`: this process reads them
 * again at once, the others as soon as the change commits (the change feed).
 */
/** How long after an incident ends `endedWithin` still reports it. */
const RECENT_MS = 6 * 3_600_000;

export class OpenIncidents {
  private cached: { at: number; incidents: Promise<OpenIncident[]> } | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  async list(): Promise<OpenIncident[]> {
    const now = this.clock.now().getTime();
    return (await this.withRecent(now)).filter((incident) => incident.endedAt === null || incident.endedAt.getTime() > now);
  }

  /** Whether an incident of this component is open, or ended less than `graceMs` (≤ 6 h) ago. */
  async endedWithin(component: IncidentComponent, graceMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    return (await this.withRecent(now)).some((incident) => incident.component === component && (incident.endedAt === null || incident.endedAt.getTime() > now - graceMs));
  }

  private withRecent(now: number): Promise<OpenIncident[]> {
    if (!this.cached || now - this.cached.at >= this.ttlMs || now < this.cached.at) {
      const incidents = findOpenIncidents(this.db, new Date(now), RECENT_MS).then((rows) =>
        rows.map((row) => ({
          id: row.id,
          component: row.component,
          startedAt: row.started_at,
          endedAt: row.ended_at,
          testAttestationHours: row.test_attestation_hours,
          message: row.message,
          source: row.source,
        })),
      );
      this.cached = { at: now, incidents };
      incidents.catch(() => {
        if (this.cached?.incidents === incidents) this.cached = undefined;
      });
    }
    return this.cached.incidents;
  }

  async has(component: IncidentComponent): Promise<boolean> {
    return (await this.list()).some((incident) => incident.component === component);
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private feed: ChangeFeed | undefined;
  private readonly changeListeners: Array<() => void> = [];

  /** Hears the changes other processes make. */
  attach(feed: ChangeFeed): void {
    this.feed = feed;
    const heard = () => {
      this.invalidate();
      for (const listener of this.changeListeners) listener();
    };
    feed.subscribe('incidents', heard);
    feed.onResync(heard);
  }

  /** Called after the list may have changed (in this process or another): e.g. to follow the shared PSC breaker. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Run in the transaction that changes incidents (or after it): every process reads them again. */
  async changed(db: Db): Promise<void> {
    this.invalidate();
    await this.feed?.publish(db, 'incidents');
  }
}
