/**
 * The network between the professionals and the portal: a link that the outage cuts (requests
 * refused, those in flight aborted), answers lost on the way back, and the traffic counted.
 * Acts leave through the portal's own transport (`sendAct` from @prostopcovid/continuity)
 * with Node's fetch wrapped by this link.
 */
import { performance } from 'node:perf_hooks';
import { sendAct, type Transport } from '@prostopcovid/continuity';
import type { Session } from '../shared.js';
import { LOST_ANSWERS, REQUEST_TIMEOUT_MS } from './settings.js';

/** Whether the portal is reachable; requests in flight when it goes down are cut. */
export const link = { up: true, inflight: new Set<AbortController>() };

export function cutLink(): number {
  link.up = false;
  const cut = link.inflight.size;
  for (const controller of link.inflight) controller.abort(new Error('connection reset'));
  return cut;
}

export interface Traffic {
  /** performance.now() of every act request that left for the server (the link was up). */
  sent: number[];
  /** Attempts refused by the cut link, without reaching the server. */
  blocked: number;
  statuses: Map<string, number>;
  lostAnswers: number;
  cutInFlight: number;
  transportErrors: number;
}

export function newTraffic(): Traffic {
  return { sent: [], blocked: 0, statuses: new Map(), lostAnswers: 0, cutInFlight: 0, transportErrors: 0 };
}

const LOST_ANSWER = 'connection reset before the answer';

/**
 * Node's fetch through the link: what fetch does when the server cannot be reached (it
 * throws) while the link is cut, requests in flight aborted when it is cut, and an answer
 * sometimes lost after the server has answered (and maybe stored the act).
 */
function linkFetch(traffic: Traffic): typeof fetch {
  return async (input, init) => {
    if (!link.up) {
      traffic.blocked++;
      throw new TypeError('fetch failed');
    }
    traffic.sent.push(performance.now());
    const controller = new AbortController();
    link.inflight.add(controller);
    try {
      const response = await fetch(input, { ...init, signal: AbortSignal.any([controller.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
      // Read here, so that a cut also aborts the reading of the answer.
      const body = await response.arrayBuffer().catch(() => null);
      traffic.statuses.set(String(response.status), (traffic.statuses.get(String(response.status)) ?? 0) + 1);
      if (LOST_ANSWERS > 0 && Math.random() < LOST_ANSWERS) {
        traffic.lostAnswers++;
        throw new TypeError(LOST_ANSWER);
      }
      const answer = new Response(body?.byteLength ? body : null, { status: response.status, statusText: response.statusText, headers: response.headers });
      if (response.redirected) Object.defineProperty(answer, 'redirected', { value: true });
      return answer;
    } catch (error) {
      if (controller.signal.aborted) traffic.cutInFlight++;
      else if (!(error instanceof TypeError && error.message === LOST_ANSWER)) traffic.transportErrors++;
      throw error;
    } finally {
      link.inflight.delete(controller);
    }
  };
}

/** The portal's transport (continuity's `sendAct`, as packages/web/src/data/outbox.ts sends acts) over the link, with the professional's session. */
export function transportFor(baseUrl: string, session: Session, traffic: Traffic): Transport {
  const fetch = linkFetch(traffic);
  return (entry) => sendAct(entry, { fetch, baseUrl, csrfToken: session.csrfToken, headers: { cookie: session.cookie } });
}
