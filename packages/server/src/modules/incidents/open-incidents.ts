import type { Db } from '../../db/database.js';
import type { IncidentComponent } from '../../db/schema.js';
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
 * Whoever opens or closes an incident in this process calls `invalidate()`.
 */
export class OpenIncidents {
  private cached: { at: number; incidents: Promise<OpenIncident[]> } | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  async list(): Promise<OpenIncident[]> {
    const now = this.clock.now().getTime();
    if (!this.cached || now - this.cached.at >= this.ttlMs || now < this.cached.at) {
      const incidents = findOpenIncidents(this.db, new Date(now)).then((rows) =>
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
}
