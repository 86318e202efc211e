import { generateRetrievalCode, sendAct, OutboxSender, type OutboxEntry, type SendOutcome, type SenderState } from '@prostopcovid/continuity';
import { createStore, del, delMany, entries, get, set } from 'idb-keyval';
import type { RecordTestInput, RecordVaccinationInput } from './acts';
import { getCsrfToken } from './api';
import { createLocalState } from './local-state';
import { loadMe, readMe } from './store';

/**
 * The outbox of acts (docs/domain.md, Continuity): every test or vaccination is saved in this browser's
 * IndexedDB first, then sent with its own idempotency key, so it is stored once whatever
 * happens to the network, the server or the page. Entries are never deleted automatically:
 * the sent ones stay as the duplicate until the professional clears them.
 */
export type TestBody = RecordTestInput & { retrievalCode: string; capturedAt: string };
export type VaccinationBody = RecordVaccinationInput & { retrievalCode: string; capturedAt: string };

/** What the documents and the list show beside the request body (names the server does not need). */
export interface ActDisplay {
  deviceName?: string;
  /** Whether the device was still active in the EU list when the act was recorded. */
  deviceActive?: boolean;
  productName?: string;
  manufacturerName?: string;
}

export type TestEntry = OutboxEntry<TestBody> & { kind: 'test'; display: ActDisplay };
export type VaccinationEntry = OutboxEntry<VaccinationBody> & { kind: 'vaccination'; display: ActDisplay };
export type ActEntry = TestEntry | VaccinationEntry;

const idb = createStore('prostopcovid-outbox', 'acts');

interface OutboxState {
  entries: ActEntry[];
  sender: SenderState;
  loaded: boolean;
}

const state = createLocalState<OutboxState>({ entries: [], sender: { kind: 'idle' }, loaded: false });
const publish = state.update;

export function useOutbox<T>(select: (s: OutboxState) => T): T {
  return state.use(select);
}

async function readAll(): Promise<ActEntry[]> {
  const all = (await entries<string, ActEntry>(idb)).map(([, entry]) => entry);
  return all.sort((a, b) => (a.capturedAt < b.capturedAt ? 1 : -1));
}

async function refresh(): Promise<void> {
  publish({ entries: await readAll(), loaded: true });
}

/** The session's CSRF token; after an offline start the portal has none until /api/me answers. */
async function csrfToken(): Promise<string | null> {
  if (!getCsrfToken()) await loadMe();
  return getCsrfToken();
}

async function send(entry: OutboxEntry): Promise<SendOutcome> {
  const token = await csrfToken();
  if (!token) {
    const me = readMe();
    return me.status === 'signed-out'
      ? { kind: 'unauthenticated', message: 'Reconnectez-vous : les actes en attente seront envoyés ensuite.' }
      : { kind: 'retry', message: 'Le serveur est injoignable.' };
  }
  const outcome = await sendAct(entry, { fetch, csrfToken: token, credentials: 'same-origin' });
  // A session that ended while offline: sign in again, nothing is lost meanwhile.
  if (outcome.kind === 'unauthenticated') void loadMe();
  return outcome;
}

const sender = new OutboxSender({
  // A backlog leaves at most four acts a second: thousands of portals coming back together must not flood the server.
  spacingMs: 250,
  store: {
    all: async () => (await entries<string, OutboxEntry>(idb)).map(([, entry]) => entry),
    put: (entry) => set(entry.key, entry, idb),
  },
  transport: send,
  onChange: () => {
    publish({ sender: sender.state });
    void refresh();
  },
});

let started = false;

/** Loads the outbox and sends what waits: at start, when the network returns, when the tab is shown again. */
export function startOutbox(): void {
  if (started) return;
  started = true;
  void refresh().then(() => sender.kick());
  window.addEventListener('online', () => sender.networkBack());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void sender.flush();
  });
}

/** "Envoyer maintenant": forgets the backoff and tries at once. */
export function sendNow(): Promise<void> {
  return sender.kick();
}


/**
 * Saves an act locally (a new one, or the correction of one the server refused, which keeps
 * its key) and tries to send it at once. Resolves with the entry as it stands after that first
 * attempt: sent, rejected, or still pending when the server cannot be reached.
 */
export async function saveAct(
  input: { kind: 'test'; body: RecordTestInput; display: ActDisplay } | { kind: 'vaccination'; body: RecordVaccinationInput; display: ActDisplay },
  correcting?: ActEntry,
): Promise<ActEntry> {
  // A conflict is not fixed by resending: a key reused for another act needs a new key, a
  // retrieval code taken by another act a new code (the patient's document is then reprinted).
  const conflict = correcting?.status === 'conflict' ? correcting.lastError?.code : undefined;
  const newKey = !correcting || conflict === 'ACTS_IDEMPOTENCY_CONFLICT';
  const newCode = newKey || conflict === 'ACTS_RETRIEVAL_CODE_TAKEN';
  const key = newKey ? crypto.randomUUID() : correcting.key;
  const capturedAt = correcting?.capturedAt ?? new Date().toISOString();
  const entry = {
    key,
    kind: input.kind,
    body: { ...input.body, retrievalCode: newCode ? generateRetrievalCode() : correcting.body.retrievalCode, capturedAt },
    display: input.display,
    capturedAt,
    status: 'pending',
    attempts: correcting && !newKey ? correcting.attempts : 0,
  } as ActEntry;
  if (correcting && newKey) await del(correcting.key, idb);
  await set(key, entry, idb);
  await refresh();
  await sender.submit();
  return (await get<ActEntry>(key, idb)) ?? entry;
}

export async function findAct(key: string): Promise<ActEntry | undefined> {
  return get<ActEntry>(key, idb);
}

/** Removes the acts already stored by the server (the duplicate should be exported or printed first). */
export async function clearSent(): Promise<void> {
  await delMany(
    (await readAll()).filter((e) => e.status === 'sent').map((e) => e.key),
    idb,
  );
  await refresh();
}

export function countWaiting(all: readonly ActEntry[]): number {
  return all.filter((e) => e.status === 'pending').length;
}

export function countToCorrect(all: readonly ActEntry[]): number {
  return all.filter((e) => e.status === 'rejected' || e.status === 'conflict').length;
}
