// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { act, cleanup, renderHook } from '@testing-library/react';
import { keys as storedKeys } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { errorAnswer, freshProfile, json, reloadPage, stubNetwork, stubOffline, type SentRequest } from '../testing/browser';
import type { InboxEntry, InboxMessage } from './inbox';

const CLAIRE = '899700100009';
const LOUIS = '899700100010';
const minutes = (n: number) => new Date(Date.UTC(2026, 2, 10, 9, n)).toISOString();

function entry(id: string, overrides: Partial<InboxEntry> = {}): InboxEntry {
  return {
    id,
    version: 1,
    reference: `DGS-URGENT N°2026_${id}`,
    title: `Message ${id}`,
    kind: 'information',
    priority: 'normal',
    publishedAt: minutes(0),
    corrected: false,
    expiresAt: null,
    readAt: null,
    acknowledgedAt: null,
    ...overrides,
  };
}

function message(of: InboxEntry, overrides: Partial<InboxMessage> = {}): InboxMessage {
  return { ...of, bodyHtml: '<p>Texte</p>', targets: { professions: ['Pharmacien'], zone: ['Gironde (33)'] }, attachments: [], correctionNote: null, ...overrides };
}

/** The keys the portal keeps in IndexedDB (all strings). */
const keys = async () => (await storedKeys()).filter((key): key is string => typeof key === 'string');

const inboxAnswer = (messages: InboxEntry[]) => ({
  unread: messages.filter((m) => m.readAt === null).length,
  actionsPending: messages.filter((m) => m.kind === 'action' && m.acknowledgedAt === null).length,
  messages,
});

/** The server's inbox routes for one professional's messages (read and acknowledged as the server does). */
function inboxServer(messages: InboxEntry[], bodies: Record<string, InboxMessage> = {}) {
  const at = '2026-03-10T10:00:00.000Z';
  return stubNetwork((r: SentRequest) => {
    if (r.method === 'GET' && r.path === '/api/inbox') return json(200, inboxAnswer(messages));
    const found = /^\/api\/inbox\/([^/]+)(?:\/(read|acknowledge))?$/.exec(r.path);
    const body = found && bodies[found[1]!];
    if (!found || !body) return errorAnswer(404, 'MESSAGES_NOT_TARGETED', "Ce message ne vous est pas adressé ou n'est plus en ligne.");
    if (!found[2]) return json(200, body);
    if ((r.body as { version: number }).version !== body.version) {
      return errorAnswer(409, 'MESSAGES_VERSION_STALE', 'Ce message a été rectifié depuis : relisez la nouvelle version avant d’en prendre connaissance.');
    }
    return json(200, { readAt: at, acknowledgedAt: found[2] === 'acknowledge' ? at : body.acknowledgedAt });
  });
}

async function openInbox() {
  const inbox = await import('./inbox');
  const state = renderHook(() => inbox.useInbox());
  return { ...inbox, state };
}

beforeEach(async () => {
  await freshProfile();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the urgent messages inbox', () => {
  it('orders unread first, then the high priority, then the newest, and counts the unread and the actions pending', async () => {
    const { sortInbox } = await import('./inbox');
    const list = [
      entry('read-high', { readAt: minutes(30), priority: 'high', publishedAt: minutes(20) }),
      entry('old', { publishedAt: minutes(1) }),
      entry('new', { publishedAt: minutes(10) }),
      entry('high-old', { priority: 'high', publishedAt: minutes(2) }),
      entry('read-new', { readAt: minutes(30), publishedAt: minutes(25) }),
    ];
    expect(sortInbox(list).map((m) => m.id)).toEqual(['high-old', 'new', 'old', 'read-high', 'read-new']);

    const requests = inboxServer([
      entry('a', { kind: 'action' }),
      entry('b', { kind: 'action', readAt: minutes(5), acknowledgedAt: minutes(5) }),
      entry('c', { readAt: minutes(5) }),
    ]);
    const { refreshInbox, state } = await openInbox();
    expect(state.result.current).toMatchObject({ status: 'loading', owner: null, messages: [] });
    await act(() => Promise.all([refreshInbox(CLAIRE), refreshInbox(CLAIRE)]));
    expect(state.result.current).toMatchObject({ owner: CLAIRE, status: 'ready', unread: 1, actionsPending: 1, stale: false, error: null });
    expect(state.result.current.messages.map((m) => m.id)).toEqual(['a', 'b', 'c']);
    // One request however many parts of the page ask at once.
    expect(requests.filter((r) => r.path === '/api/inbox')).toHaveLength(1);
  });

  it('shows the last list known after a reload while the server is unreachable, flagged stale; nothing known: unavailable', async () => {
    const list = [entry('a', { kind: 'action', priority: 'high' }), entry('b', { readAt: minutes(3) })];
    inboxServer(list);
    let inbox = await openInbox();
    await act(() => inbox.refreshInbox(CLAIRE));
    const fetchedAt = inbox.state.result.current.fetchedAt;
    expect(fetchedAt).not.toBeNull();

    reloadPage();
    stubOffline();
    inbox = await openInbox();
    await act(() => inbox.refreshInbox(CLAIRE));
    expect(inbox.state.result.current).toMatchObject({ owner: CLAIRE, status: 'ready', messages: list, unread: 1, actionsPending: 1, fetchedAt, stale: true });

    // Another professional on this browser sees nothing of Claire's inbox.
    reloadPage();
    stubOffline();
    inbox = await openInbox();
    await act(() => inbox.refreshInbox(LOUIS));
    expect(inbox.state.result.current).toMatchObject({ owner: LOUIS, status: 'unavailable', messages: [], fetchedAt: null, stale: true });
  });

  it('keeps the list on a server failure, says why on a refusal', async () => {
    inboxServer([entry('a')]);
    let inbox = await openInbox();
    await act(() => inbox.refreshInbox(CLAIRE));

    stubNetwork(() => errorAnswer(503, 'SERVICE_OVERLOADED', 'Le service est très sollicité.'));
    await act(() => inbox.refreshInbox(CLAIRE));
    expect(inbox.state.result.current).toMatchObject({ status: 'ready', stale: true, error: null, messages: [entry('a')] });

    reloadPage();
    stubNetwork(() => errorAnswer(403, 'AUTH_FORBIDDEN', "Votre profession ne donne pas accès à cette fonction."));
    inbox = await openInbox();
    await act(() => inbox.refreshInbox(LOUIS));
    expect(inbox.state.result.current).toMatchObject({ status: 'unavailable', stale: false, error: "Votre profession ne donne pas accès à cette fonction." });
  });

  it('keeps a message opened for offline reading, and forgets it once it leaves the inbox', async () => {
    const a = entry('a');
    const b = entry('b');
    inboxServer([a, b], { a: message(a), b: message(b) });
    let inbox = await import('./inbox');
    const opened = await inbox.openMessage(CLAIRE, 'a');
    expect(opened).toMatchObject({ stale: false, message: message(a) });
    await inbox.openMessage(CLAIRE, 'b');

    reloadPage();
    stubOffline();
    inbox = await import('./inbox');
    expect(await inbox.openMessage(CLAIRE, 'a')).toEqual({ message: message(a), fetchedAt: opened.fetchedAt, stale: true });
    // Never opened here: nothing to show.
    await expect(inbox.openMessage(CLAIRE, 'c')).rejects.toThrow('Le serveur est injoignable. Vérifiez votre connexion.');

    // "b" expired: the next list no longer has it, nor the device.
    reloadPage();
    inboxServer([a], { a: message(a) });
    inbox = await import('./inbox');
    await inbox.refreshInbox(CLAIRE);
    expect((await keys()).filter((key) => key.startsWith('inbox-message:')).sort()).toEqual([`inbox-message:${CLAIRE}:a`]);
    // Withdrawn meanwhile: the server refuses it, the copy is forgotten.
    inboxServer([], {});
    await expect(inbox.openMessage(CLAIRE, 'a')).rejects.toThrow("Ce message ne vous est pas adressé ou n'est plus en ligne.");
    stubOffline();
    await expect(inbox.openMessage(CLAIRE, 'a')).rejects.toThrow('Le serveur est injoignable.');
  });

  it('reading and acknowledging update the counter and the banner at once, and the list kept', async () => {
    const action = entry('a', { kind: 'action', publishedAt: minutes(1) });
    const info = entry('b', { publishedAt: minutes(2) });
    const requests = inboxServer([action, info], { a: message(action), b: message(info) });
    const inbox = await openInbox();
    await act(() => inbox.refreshInbox(CLAIRE));
    expect(inbox.state.result.current).toMatchObject({ unread: 2, actionsPending: 1 });

    const opened = await inbox.openMessage(CLAIRE, 'a');
    const read = await act(() => inbox.markRead(CLAIRE, opened));
    expect(read.message.readAt).toBe('2026-03-10T10:00:00.000Z');
    expect(inbox.state.result.current).toMatchObject({ unread: 1, actionsPending: 1 });
    // Read now: after the unread one.
    expect(inbox.state.result.current.messages.map((m) => m.id)).toEqual(['b', 'a']);

    const acknowledged = await act(() => inbox.acknowledgeMessage(CLAIRE, read));
    expect(acknowledged.message.acknowledgedAt).toBe('2026-03-10T10:00:00.000Z');
    expect(inbox.state.result.current).toMatchObject({ unread: 1, actionsPending: 0 });
    expect(requests.filter((r) => r.method === 'POST').map((r) => `${r.path} ${JSON.stringify(r.body)}`)).toEqual([
      '/api/inbox/a/read {"version":1}',
      '/api/inbox/a/acknowledge {"version":1}',
    ]);

    // The list kept on the device says so too.
    reloadPage();
    stubOffline();
    const after = await openInbox();
    await act(() => after.refreshInbox(CLAIRE));
    expect(after.state.result.current).toMatchObject({ stale: true, unread: 1, actionsPending: 0 });
  });

  it('never keeps an acknowledgement for later: offline, a clear French error; a correction meanwhile: the server’s', async () => {
    const action = entry('a', { kind: 'action' });
    inboxServer([action], { a: message(action) });
    const inbox = await import('./inbox');
    const opened = await inbox.openMessage(CLAIRE, 'a');

    const offline = stubOffline();
    await expect(inbox.acknowledgeMessage(CLAIRE, opened)).rejects.toThrow('Connexion impossible : réessayez quand le serveur sera joignable.');
    // Back online, nothing is sent by itself.
    const online = inboxServer([action], { a: message(action, { version: 2 }) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(offline).toHaveLength(1);
    expect(online).toEqual([]);

    await expect(inbox.acknowledgeMessage(CLAIRE, opened)).rejects.toMatchObject({ code: 'MESSAGES_VERSION_STALE', status: 409 });
  });

  it('polls at page load, then every 5 minutes plus up to a minute at random, and on focus at most once a minute', async () => {
    const requests = inboxServer([entry('a')]);
    const inbox = await import('./inbox');
    expect(inbox.nextPollDelay(() => 0)).toBe(300_000);
    expect(inbox.nextPollDelay(() => 0.999_99)).toBe(359_999);

    const realSetTimeout = globalThis.setTimeout;
    const scheduled: Array<{ run: () => void; ms: number }> = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((run: () => void, ms?: number, ...rest: unknown[]) => {
      if (ms !== undefined && ms >= 60_000) {
        scheduled.push({ run, ms });
        return scheduled.length as unknown as ReturnType<typeof setTimeout>;
      }
      return realSetTimeout(run, ms, ...rest);
    }) as typeof setTimeout);
    let now = Date.parse('2026-03-10T09:00:00Z');
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const inboxRequests = () => requests.filter((r) => r.path === '/api/inbox').length;

    const stop = inbox.startInboxPolling(CLAIRE);
    await vi.waitFor(() => expect(inbox.readInbox().status).toBe('ready'));
    expect(inboxRequests()).toBe(1);
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.ms).toBeGreaterThanOrEqual(300_000);
    expect(scheduled[0]!.ms).toBeLessThan(360_000);

    // Focus 30 s later: too soon.
    now += 30_000;
    window.dispatchEvent(new Event('focus'));
    await new Promise((resolve) => realSetTimeout(resolve, 20));
    expect(inboxRequests()).toBe(1);
    // A minute after the last request: asked again.
    now += 31_000;
    window.dispatchEvent(new Event('focus'));
    await vi.waitFor(() => expect(inboxRequests()).toBe(2));
    // That request done (the list and its copy saved).
    await new Promise((resolve) => realSetTimeout(resolve, 100));

    // The timer asks, then schedules the next one.
    scheduled[0]!.run();
    await vi.waitFor(() => expect(inboxRequests()).toBe(3));
    await vi.waitFor(() => expect(scheduled).toHaveLength(2));

    stop();
    now += 120_000;
    window.dispatchEvent(new Event('focus'));
    await new Promise((resolve) => realSetTimeout(resolve, 20));
    expect(inboxRequests()).toBe(3);
  });

  it('forgets every inbox kept on the device at sign-out', async () => {
    const a = entry('a');
    inboxServer([a], { a: message(a) });
    const inbox = await openInbox();
    await act(() => inbox.refreshInbox(CLAIRE));
    await inbox.openMessage(CLAIRE, 'a');
    expect((await keys()).filter((key) => key.startsWith('inbox'))).toHaveLength(2);

    const store = await import('./store');
    await act(() => store.forgetMe());
    expect((await keys()).filter((key) => key.startsWith('inbox'))).toEqual([]);
    expect(inbox.state.result.current).toMatchObject({ owner: null, messages: [], status: 'loading' });
  });
});
