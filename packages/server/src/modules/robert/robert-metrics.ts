import { Gauge, type Registry } from 'prom-client';
import type { RobertKpis } from '@prostopcovid/contracts/robert';
import { getKpis, type RobertDeps } from './robert.service.js';

/**
 * The protocol's KPIs on /metrics. They come from the database at scrape time, so every
 * process answers the deployment's figures (gauges: they are totals, not this process's counts).
 */
export function registerRobertMetrics(registry: Registry, deps: Pick<RobertDeps, 'db'>): void {
  // A scrape collects every metric at once: they share one query.
  let pending: Promise<RobertKpis> | undefined;
  const kpis = () => {
    pending ??= getKpis(deps).finally(() => setImmediate(() => (pending = undefined)));
    return pending;
  };
  const gauge = (name: string, help: string, label: string, fill: (set: (value: string, n: number) => void, k: RobertKpis) => void) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        const k = await kpis();
        fill((value, n) => this.set({ [label]: value }, n), k);
      },
    });
  gauge('robert_reports', 'ROBERT reports since the start, by stage (received by the API, processed by workers, queued now)', 'stage', (set, k) => {
    set('received', k.reportsReceived);
    set('processed', k.reports);
    set('queued', k.queuedReports);
  });
  gauge('robert_hellos', 'HELLOs in reports since the start, by outcome (received, checked, valid)', 'outcome', (set, k) => {
    set('received', k.hellosReceived);
    set('checked', k.hellosChecked);
    set('valid', k.hellosValidated);
  });
  gauge('robert_hellos_dropped', 'HELLOs not counted since the start, by reason', 'reason', (set, k) => {
    for (const [reason, n] of Object.entries(k.dropped)) set(reason, n);
  });
  gauge('robert_users', 'Registrations: alerted and notified since the start; at risk, exposed but not at risk, and registered (estimate) now', 'state', (set, k) => {
    set('alerted', k.alertedUsers);
    set('notified', k.notifiedUsers);
    set('at_risk', k.atRiskUsers);
    set('exposed_not_at_risk', k.exposedButNotAtRiskUsers);
    set('registered_estimate', k.registrationsEstimate);
  });
}
