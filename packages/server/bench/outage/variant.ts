/** One variant of the scenario, through its own outage: steady → outage → recovery → tail. */
import { performance } from 'node:perf_hooks';
import type { RunningSandbox } from '@prostopcovid/psc-sandbox';
import { signIn, type Session } from '../shared.js';
import { cutLink, link, newTraffic, transportFor, type Traffic } from './network.js';
import { Professional, type ClientAct } from './professionals.js';
import { openIncidents } from './server-probes.js';
import { setTimeout as pause } from 'node:timers/promises';
import { ACT_INTERVAL_S, log, OUTAGE_S, OUTAGE_SIGN_INS, POLICY, RECOVERY_MAX_S, STEADY_S, type Variant } from './settings.js';

export interface VariantResult {
  variant: Variant;
  traffic: Traffic;
  recorded: { steady: number; outage: number; recovery: number; total: number };
  steadyMean: number;
  steadyPeak: number;
  recoveryPeak: number;
  recoveryProfile: number[];
  backlogAtRecovery: number;
  backlogProfessionals: number;
  drainMs: number | undefined;
  drained: boolean;
  endStatuses: Map<string, number>;
  incidentDuringOutage: string;
  incidentAfter: string;
  outageSignIns: { tried: number; failed: number };
  pscBackAfterMs: number | undefined;
  pscLastError: string;
}

/** The largest number of requests in any window of `windowMs` between `from` and `to` (sorted times). */
export function peakIn(times: number[], from: number, to: number, windowMs = 1000): number {
  const inside = times.filter((t) => t >= from && t < to);
  let best = 0;
  for (let i = 0, j = 0; j < inside.length; j++) {
    while (inside[j]! - inside[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

export async function runVariant(
  variant: Variant,
  baseUrl: string,
  sessions: Session[],
  sandboxRef: { current: RunningSandbox },
  acts: Map<string, ClientAct>,
  spareIds: string[],
): Promise<VariantResult> {
  const traffic = newTraffic();
  const pros = sessions.map((s, i) => new Professional(s, `Officine de simulation n° ${i + 1}`, variant, acts, transportFor(baseUrl, s, traffic)));
  const countRecorded = () => [...acts.values()].filter((a) => a.variant === variant).length;

  log(`${variant}: steady phase, ${pros.length} professionals, one act every ${ACT_INTERVAL_S} s each on average (${STEADY_S} s)`);
  const t0 = performance.now();
  for (const p of pros) p.startRecording();
  await pause(STEADY_S * 1000);
  const steadyRecorded = countRecorded();

  // The outage: the portal unreachable (requests in flight cut) and PSC stopped.
  const outageStart = performance.now();
  const cut = cutLink();
  await sandboxRef.current.close();
  log(`${variant}: outage (${OUTAGE_S} s): link cut (${cut} requests in flight), PSC sandbox stopped`);
  // Professionals whose session had ended try to sign in again: PSC is down, so they fail (and the server's breaker sees it).
  const signIns = { tried: 0, failed: 0 };
  const signInAttempts = (async () => {
    for (let i = 0; i < OUTAGE_SIGN_INS; i++) {
      await pause((OUTAGE_S * 1000 * 0.6) / OUTAGE_SIGN_INS);
      signIns.tried++;
      await signIn(baseUrl, spareIds[i % spareIds.length]!).then(
        () => undefined,
        () => void signIns.failed++,
      );
    }
  })();
  await pause(OUTAGE_S * 1000 - (performance.now() - outageStart));
  await signInAttempts;
  const incidentDuringOutage = await openIncidents(baseUrl);
  const outageRecorded = countRecorded() - steadyRecorded;

  // Recovery: PSC back on the same port, then the link.
  sandboxRef.current = await sandboxRef.current.restart();
  const recoveryStart = performance.now();
  const backlogKeys = new Set<string>();
  let backlogProfessionals = 0;
  for (const p of pros) {
    let any = false;
    for (const e of p.entries.values()) {
      if (e.status !== 'pending') continue;
      backlogKeys.add(e.key);
      any = true;
    }
    if (any) backlogProfessionals++;
  }
  link.up = true;
  log(`${variant}: connectivity and PSC back, backlog ${backlogKeys.size} acts in ${backlogProfessionals} outboxes`);
  // A shared network coming back fires every browser's `online` event at once: the portal spreads
  // the retries over the senders' windows; a naive client (and the `online` variant) retries at once.
  if (variant === 'jitter') for (const p of pros) p.sender.networkBack();
  else for (const p of pros) void p.sender.kick();

  // PSC sign-in works again? (the server's breaker may refuse for a probe period)
  let pscBackAfterMs: number | undefined;
  let pscLastError = '';
  const pscProbe = (async () => {
    const deadline = recoveryStart + 30_000;
    while (performance.now() < deadline) {
      try {
        await signIn(baseUrl, spareIds[0]!);
        pscBackAfterMs = performance.now() - recoveryStart;
        return;
      } catch (error) {
        pscLastError = (error as Error).message.slice(0, 200);
        await pause(1000);
      }
    }
  })();

  const backlogLeft = () => [...backlogKeys].filter((k) => acts.get(k)!.sentAt === undefined).length;
  const recoveryDeadline = recoveryStart + RECOVERY_MAX_S * 1000;
  while (backlogLeft() > 0 && performance.now() < recoveryDeadline) await pause(100);
  const drained = backlogLeft() === 0;
  const lastSent = Math.max(recoveryStart, ...[...backlogKeys].map((k) => acts.get(k)!.sentAt ?? 0));
  const drainMs = drained ? lastSent - recoveryStart : undefined;
  const recoveryEnd = drained ? lastSent + 1000 : performance.now();
  if (!drained) log(`${variant}: ${backlogLeft()} backlog acts still unsent after ${RECOVERY_MAX_S} s`);

  // Tail: recording stops; what was recorded last is sent (bounded by one backoff cap and a margin).
  for (const p of pros) p.stopRecording();
  const recoveryRecorded = countRecorded() - steadyRecorded - outageRecorded;
  const tailDeadline = performance.now() + POLICY.capMs + 15_000;
  while (pros.some((p) => p.pending() > 0) && performance.now() < tailDeadline) await pause(100);
  for (const p of pros) p.sender.stop();
  await pscProbe;
  const incidentAfter = await openIncidents(baseUrl);

  const endStatuses = new Map<string, number>();
  for (const p of pros) for (const e of p.entries.values()) endStatuses.set(e.status, (endStatuses.get(e.status) ?? 0) + 1);

  const steadyCount = traffic.sent.filter((t) => t >= t0 && t < outageStart).length;
  const profileSeconds = Math.min(60, Math.ceil((recoveryEnd - recoveryStart) / 1000));
  const recoveryProfile = Array.from({ length: profileSeconds }, (_, s) => traffic.sent.filter((t) => t >= recoveryStart + s * 1000 && t < recoveryStart + (s + 1) * 1000).length);
  return {
    variant,
    traffic,
    recorded: { steady: steadyRecorded, outage: outageRecorded, recovery: recoveryRecorded, total: countRecorded() },
    steadyMean: steadyCount / ((outageStart - t0) / 1000),
    steadyPeak: peakIn(traffic.sent, t0, outageStart),
    recoveryPeak: peakIn(traffic.sent, recoveryStart, recoveryEnd),
    recoveryProfile,
    backlogAtRecovery: backlogKeys.size,
    backlogProfessionals,
    drainMs,
    drained,
    endStatuses,
    incidentDuringOutage,
    incidentAfter,
    outageSignIns: signIns,
    pscBackAfterMs,
    pscLastError,
  };
}
