import { useSyncExternalStore } from 'react';

/**
 * One piece of client state that components subscribe to; each data/ module owns its own
 * (identity, outbox, reference lists, incidents, code history). Components read it through
 * `use`, never through fetch.
 */
export function createLocalState<S>(initial: S) {
  let state = initial;
  const listeners = new Set<() => void>();
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  const set = (next: S): void => {
    state = next;
    for (const listener of listeners) listener();
  };
  return {
    get: (): S => state,
    set,
    /** Changes some fields of an object state. */
    update: (next: Partial<S>): void => set({ ...state, ...next }),
    use: <T = S>(select: (s: S) => T = (s) => s as unknown as T): T => useSyncExternalStore(subscribe, () => select(state)),
  };
}
