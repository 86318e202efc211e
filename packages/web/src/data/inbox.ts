import { del, get, keys, set } from 'idb-keyval';
import { Inbox, InboxMessage as InboxMessageAnswer, Receipt, type InboxEntry, type InboxMessage } from '@prostopcovid/contracts/messages';
import { ApiError, NetworkError, apiRequest } from './api';
import { createLocalState } from './local-state';

export type { InboxEntry, InboxMessage };

/**
 * The professional's urgent messages (docs/domain.md §5): the header's counter, the banner of
 * "pour action" messages and the inbox page. The last list and the messages opened are kept in
 * IndexedDB, per professional: while the server cannot be reached the portal shows them, marked
 * as the last known version. Reading and acknowledging need the server: they are never queued.
 */
export interface InboxState {
  /** Whose inbox this is (IdNat_PS); null before the first load. */
  owner: string | null;
  /** `loading`: nothing known yet; `unavailable`: the server could not be reached and nothing is kept on this device. */
  status: 'loading' | 'ready' | 'unavailable';
  /** Unread first, then by priority, then newest first. */
  messages: InboxEntry[];
  unread: number;
  actionsPending: number;
  /** When the server last answered (null: never on this device). */
  fetchedAt: string | null;
  /** The list shown is the last known one: the server could not be reached. */
  stale: boolean;
  /** Why the list could not be read, when the server refused it (not when it was unreachable). */
  error: string | null;
}

/** One message as the inbox page shows it: from the server, or the copy kept when it was last opened. */
export interface OpenedMessage {
  message: InboxMessage;
  fetchedAt: string;
  stale: boolean;
}

/** Polling: at page load, then every 5 minutes plus up to a minute at random, so that the portals of a whole profession do not ask at the same second. */
export const INBOX_POLL_MS = 5 * 60_000;
export const INBOX_POLL_JITTER_MS = 60_000;
/** A window coming back to the foreground asks again, at most once a minute. */
export const INBOX_FOCUS_MIN_INTERVAL_MS = 60_000;

/** What an acknowledgement says when the server cannot be reached: it is not kept for later. */
export const ACKNOWLEDGE_OFFLINE_MESSAGE = 'Connexion impossible : réessayez quand le serveur sera joignable.';

const initial: InboxState = { owner: null, status: 'loading', messages: [], unread: 0, actionsPending: 0, fetchedAt: null, stale: false, error: null };
const inboxState = createLocalState<InboxState>(initial);

const listKey = (owner: string) => `inbox:${owner}`;
const messageKeyPrefix = (owner: string) => `inbox-message:${owner}:`;
const messageKey = (owner: string, id: string) => `${messageKeyPrefix(owner)}${id}`;

export function useInbox<T = InboxState>(select?: (s: InboxState) => T): T {
  return inboxState.use(select);
}

export function readInbox(): InboxState {
  return inboxState.get();
}

/** Unread first, then high priority, then newest first (as the server sorts them). */
export function sortInbox(messages: readonly InboxEntry[]): InboxEntry[] {
  return [...messages].sort(
    (a, b) =>
      Number(a.readAt !== null) - Number(b.readAt !== null) ||
      Number(a.priority !== 'high') - Number(b.priority !== 'high') ||
      b.publishedAt.localeCompare(a.publishedAt),
  );
}

/** The counter and the banner, from the list itself (the same rule as the server's). */
function withCounts(messages: InboxEntry[]): Pick<InboxState, 'messages' | 'unread' | 'actionsPending'> {
  const sorted = sortInbox(messages);
  return {
    messages: sorted,
    unread: sorted.filter((m) => m.readAt === null).length,
    actionsPending: sorted.filter((m) => m.kind === 'action' && m.acknowledgedAt === null).length,
  };
}

/** The server could not be reached, or something else answered in its place, or it failed: what is kept is shown. */
function unreachable(error: unknown): boolean {
  return error instanceof NetworkError || (error instanceof ApiError && (error.status >= 500 || error.status === 429));
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : 'Erreur inconnue');

let refreshing: { owner: string; promise: Promise<void> } | undefined;
/** When the inbox was last asked for (ms), for the focus limit. */
let lastAskedAt = 0;

/** Asks the server again (one request at a time, however many parts of the page ask). */
export function refreshInbox(owner: string): Promise<void> {
  if (refreshing?.owner === owner) return refreshing.promise;
  const promise = fetchInbox(owner).finally(() => {
    if (refreshing?.promise === promise) refreshing = undefined;
  });
  refreshing = { owner, promise };
  return promise;
}

async function fetchInbox(owner: string): Promise<void> {
  if (inboxState.get().owner !== owner) {
    // Another professional on this browser: nothing of the previous inbox is shown.
    inboxState.set({ ...initial, owner });
    const cached = await get<{ messages: InboxEntry[]; fetchedAt: string }>(listKey(owner)).catch(() => undefined);
    if (cached && inboxState.get().owner === owner && inboxState.get().fetchedAt === null) {
      inboxState.update({ ...withCounts(cached.messages), status: 'ready', fetchedAt: cached.fetchedAt, stale: true });
    }
  }
  lastAskedAt = Date.now();
  try {
    const answer = await apiRequest(Inbox, 'GET', '/api/inbox');
    if (inboxState.get().owner !== owner) return;
    const fetchedAt = new Date().toISOString();
    inboxState.update({ ...withCounts(answer.messages), status: 'ready', fetchedAt, stale: false, error: null });
    await set(listKey(owner), { messages: answer.messages, fetchedAt }).catch(() => undefined);
    await pruneOpenedMessages(owner, new Set(answer.messages.map((m) => m.id)));
  } catch (error) {
    if (inboxState.get().owner !== owner) return;
    const known = inboxState.get().fetchedAt !== null;
    if (unreachable(error)) inboxState.update(known ? { stale: true, status: 'ready' } : { stale: true, status: 'unavailable' });
    else inboxState.update({ error: errorMessage(error), status: known ? 'ready' : 'unavailable' });
  }
}

/** Messages no longer in the inbox (expired, withdrawn) are not kept on the device. */
async function pruneOpenedMessages(owner: string, listed: Set<string>): Promise<void> {
  const prefix = messageKeyPrefix(owner);
  const stored = await keys().catch(() => []);
  const gone = stored.filter((key): key is string => typeof key === 'string' && key.startsWith(prefix) && !listed.has(key.slice(prefix.length)));
  await Promise.all(gone.map((key) => del(key).catch(() => undefined)));
}

/** The delay before the next poll: 5 minutes plus up to a minute at random. */
export function nextPollDelay(random: () => number = Math.random): number {
  return INBOX_POLL_MS + Math.floor(random() * INBOX_POLL_JITTER_MS);
}

/**
 * Keeps the inbox fresh while the portal is open: asks now, then every 5 minutes plus jitter,
 * and when the window comes back to the foreground or the network back (at most once a minute).
 * Returns what stops it.
 */
export function startInboxPolling(owner: string): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      void refreshInbox(owner).finally(() => {
        if (!stopped) schedule();
      });
    }, nextPollDelay());
  };
  const onForeground = () => {
    if (Date.now() - lastAskedAt >= INBOX_FOCUS_MIN_INTERVAL_MS) void refreshInbox(owner);
  };
  void refreshInbox(owner);
  schedule();
  window.addEventListener('focus', onForeground);
  window.addEventListener('online', onForeground);
  return () => {
    stopped = true;
    clearTimeout(timer);
    window.removeEventListener('focus', onForeground);
    window.removeEventListener('online', onForeground);
  };
}

/** A receipt recorded by the server, reflected in the list (and its cache) at once. */
async function applyReceipt(owner: string, id: string, version: number, receipt: { readAt: string | null; acknowledgedAt: string | null }): Promise<void> {
  const current = inboxState.get();
  if (current.owner !== owner) return;
  const messages = current.messages.map((m) => (m.id === id && m.version === version ? { ...m, readAt: receipt.readAt, acknowledgedAt: receipt.acknowledgedAt } : m));
  inboxState.update(withCounts(messages));
  if (current.fetchedAt) await set(listKey(owner), { messages, fetchedAt: current.fetchedAt }).catch(() => undefined);
}

/**
 * One message of the inbox, from the server (kept on the device for offline reading), or the
 * copy kept when it was last opened if the server cannot be reached. A refusal (no longer
 * addressed to this professional) is thrown, and the copy forgotten.
 */
export async function openMessage(owner: string, id: string): Promise<OpenedMessage> {
  try {
    const message = await apiRequest(InboxMessageAnswer, 'GET', `/api/inbox/${encodeURIComponent(id)}`);
    const fetchedAt = new Date().toISOString();
    await set(messageKey(owner, id), { message, fetchedAt }).catch(() => undefined);
    return { message, fetchedAt, stale: false };
  } catch (error) {
    if (unreachable(error)) {
      const cached = await get<{ message: InboxMessage; fetchedAt: string }>(messageKey(owner, id)).catch(() => undefined);
      if (cached) return { ...cached, stale: true };
    } else if (error instanceof ApiError && error.status === 404) {
      await del(messageKey(owner, id)).catch(() => undefined);
    }
    throw error;
  }
}

async function sendReceipt(owner: string, opened: OpenedMessage, action: 'read' | 'acknowledge'): Promise<OpenedMessage> {
  const { message } = opened;
  const receipt = await apiRequest(Receipt, 'POST', `/api/inbox/${encodeURIComponent(message.id)}/${action}`, { version: message.version });
  const updated: OpenedMessage = { message: { ...message, readAt: receipt.readAt, acknowledgedAt: receipt.acknowledgedAt }, fetchedAt: new Date().toISOString(), stale: false };
  await set(messageKey(owner, message.id), { message: updated.message, fetchedAt: updated.fetchedAt }).catch(() => undefined);
  await applyReceipt(owner, message.id, message.version, receipt);
  return updated;
}

/** Marks the version opened as read (the list's counter goes down at once). */
export function markRead(owner: string, opened: OpenedMessage): Promise<OpenedMessage> {
  return sendReceipt(owner, opened, 'read');
}

/**
 * "J'ai pris connaissance" of an action message. Needs the server: offline, it fails with a
 * clear message and nothing is kept for later. A correction published meanwhile answers 409
 * MESSAGES_VERSION_STALE: the caller opens the message again.
 */
export async function acknowledgeMessage(owner: string, opened: OpenedMessage): Promise<OpenedMessage> {
  try {
    return await sendReceipt(owner, opened, 'acknowledge');
  } catch (error) {
    if (error instanceof NetworkError || (error instanceof ApiError && error.code === 'RESPONSE_UNEXPECTED')) throw new NetworkError(ACKNOWLEDGE_OFFLINE_MESSAGE);
    throw error;
  }
}

/** Forgets every inbox kept on this device (sign-out). */
export async function forgetInbox(): Promise<void> {
  inboxState.set(initial);
  const stored = await keys().catch(() => []);
  const ours = stored.filter((key): key is string => typeof key === 'string' && (key.startsWith('inbox:') || key.startsWith('inbox-message:')));
  await Promise.all(ours.map((key) => del(key).catch(() => undefined)));
}
