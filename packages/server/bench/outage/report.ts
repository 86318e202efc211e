/** The printed report (a Markdown table per run) and the failures that make the run exit 1. */
import os from 'node:os';
import { fmt } from '../shared.js';
import type { Traffic } from './network.js';
import { ACT_INTERVAL_S, DATABASE, LOST_ANSWERS, OUTAGE_S, OUTAGE_SIGN_INS, POLICY, PROFESSIONALS, RECOVERY_MAX_S, SPACING_MS, STEADY_S } from './settings.js';
import type { VariantResult } from './variant.js';
import type { Verification } from './verify.js';

export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]) => '| ' + cells.map((c, i) => (i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  return [render(header), '|' + widths.map((w, i) => (i > 0 ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|', ...rows.map(render)];
}

/** Load shedding (429/503: the outbox retries) is expected under a surge; any other status is a failure. */
export const SHED = new Set(['429', '503']);
export function refusals(traffic: Traffic, shed: boolean): number {
  return [...traffic.statuses].filter(([s]) => s !== '200' && s !== '201' && SHED.has(s) === shed).reduce((n, [, c]) => n + c, 0);
}

export function report(results: VariantResult[], check: Verification, serverCounts: Map<string, number>, signInSeconds: number): string[] {
  const cpus = os.cpus();
  const lines: string[] = [''];
  lines.push(`Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; database ${DATABASE}`);
  lines.push(
    `Settings: ${PROFESSIONALS} professionals (signed in through PSC in ${fmt(signInSeconds)} s), one act per ${ACT_INTERVAL_S} s each on average (60 % tests), ` +
      `steady ${STEADY_S} s, outage ${OUTAGE_S} s, backoff base ${POLICY.baseMs} ms cap ${POLICY.capMs} ms, spacing ${SPACING_MS} ms, ` +
      `${fmt(LOST_ANSWERS * 100)} % of answers lost on the way back, ${OUTAGE_SIGN_INS} sign-in attempts during each outage`,
  );
  lines.push('');
  const col = (f: (r: VariantResult) => string) => results.map(f);
  const v = (r: VariantResult) => check.perVariant.get(r.variant) ?? { clientActs: 0, stored: 0, lost: 0, duplicates: 0, kindMismatch: 0 };
  const status = (r: VariantResult, s: string) => String(r.traffic.statuses.get(s) ?? 0);
  const rows: Array<[string, string[]]> = [
    ['acts recorded (steady / outage / recovery)', col((r) => `${r.recorded.steady} / ${r.recorded.outage} / ${r.recorded.recovery}`)],
    ['acts recorded by clients', col((r) => String(v(r).clientActs))],
    ['acts stored in the database', col((r) => String(v(r).stored))],
    ['acts LOST (must be 0)', col((r) => String(v(r).lost))],
    ['DUPLICATES (must be 0)', col((r) => String(v(r).duplicates + v(r).kindMismatch))],
    ['answered 201 (stored)', col((r) => status(r, '201'))],
    ['answered 200 (replay absorbed)', col((r) => status(r, '200'))],
    ['shed with 429/503 + Retry-After (resent later)', col((r) => String(refusals(r.traffic, true)))],
    ['conflicts / rejections / errors (must be 0)', col((r) => String(refusals(r.traffic, false)))],
    ['answers lost / requests cut at the outage', col((r) => `${r.traffic.lostAnswers} / ${r.traffic.cutInFlight}`)],
    ['attempts refused by the cut link', col((r) => String(r.traffic.blocked))],
    ['backlog when connectivity returned', col((r) => `${r.backlogAtRecovery} acts in ${r.backlogProfessionals} outboxes`)],
    ['steady rate, mean (req/s)', col((r) => fmt(r.steadyMean))],
    ['steady rate, peak 1 s (req/s)', col((r) => String(r.steadyPeak))],
    ['recovery peak 1 s (req/s)', col((r) => String(r.recoveryPeak))],
    ['recovery peak / steady mean', col((r) => `${fmt(r.recoveryPeak / r.steadyMean)} ×`)],
    ['time to send the backlog (s)', col((r) => (r.drained ? fmt(r.drainMs! / 1000) : `NOT DRAINED in ${RECOVERY_MAX_S}`))],
    ['outboxes at the end', col((r) => [...r.endStatuses].map(([s, n]) => `${n} ${s}`).join(', '))],
    ['PSC sign-ins during the outage (failed/tried)', col((r) => `${r.outageSignIns.failed}/${r.outageSignIns.tried}`)],
    ['open incidents at the end of the outage', col((r) => r.incidentDuringOutage)],
    ['PSC sign-in works again after (s)', col((r) => (r.pscBackAfterMs === undefined ? 'not within 30 s' : fmt(r.pscBackAfterMs / 1000)))],
    ['open incidents after recovery', col((r) => r.incidentAfter)],
  ];
  lines.push(...table(['', ...results.map((r) => (r.variant === 'jitter' ? 'full jitter' : r.variant === 'no-jitter' ? 'no jitter' : 'jitter + online event'))], rows.map(([label, cells]) => [label, ...cells])));
  lines.push('');
  for (const r of results) lines.push(`requests/s after connectivity returned, ${r.variant}: ${r.recoveryProfile.join(' ')}`);
  for (const r of results) if (r.pscBackAfterMs === undefined) lines.push(`PSC sign-in after the outage, ${r.variant}, last error: ${r.pscLastError}`);
  const serverTotal = [...serverCounts.values()].reduce((a, b) => a + b, 0);
  const clientTotal = results.reduce((n, r) => n + r.traffic.sent.length, 0);
  lines.push(`act requests: ${clientTotal} sent by the clients, ${serverTotal} counted by the server's /metrics (${[...serverCounts].map(([s, n]) => `${s}×${n}`).join(', ')})`);
  lines.push(`database: ${check.storedTotal} act rows; ${check.orphans} stored without a client act, ${check.withoutKey} without an idempotency key (both must be 0)`);
  return lines;
}

/** What makes the run fail: an act lost, duplicated or refused (load shedding aside), an outbox not emptied, transport or server errors. */
export function failures(results: VariantResult[], check: Verification, serverErrors: string[]): string[] {
  const found: string[] = [];
  for (const r of results) {
    const v = check.perVariant.get(r.variant);
    if (!v) continue;
    if (v.lost) found.push(`${r.variant}: ${v.lost} acts lost`);
    if (v.duplicates || v.kindMismatch) found.push(`${r.variant}: ${v.duplicates + v.kindMismatch} duplicates`);
    const refused = [...r.traffic.statuses].filter(([s]) => s !== '200' && s !== '201' && !SHED.has(s));
    if (refused.length) found.push(`${r.variant}: answers ${refused.map(([s, n]) => `${s}×${n}`).join(', ')}`);
    if ((r.endStatuses.get('pending') ?? 0) > 0) found.push(`${r.variant}: ${r.endStatuses.get('pending')} acts still in the outboxes`);
    if (r.traffic.transportErrors) found.push(`${r.variant}: ${r.traffic.transportErrors} transport errors`);
  }
  if (check.orphans) found.push(`${check.orphans} stored acts without a client act`);
  if (check.withoutKey) found.push(`${check.withoutKey} stored acts without an idempotency key`);
  if (serverErrors.length) found.push(`the server logged ${serverErrors.length} errors, the last: ${serverErrors.slice(-2).join('\n').slice(0, 2000)}`);
  return found;
}
