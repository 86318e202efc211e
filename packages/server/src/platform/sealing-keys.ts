import { createHmac } from 'node:crypto';
import type { HmacKey } from './keys.js';
import { openWithKey, sealWithKey, sealedLabel } from './secrets.js';

/**
 * Values the server must read back later but never keep in clear (a lab result's retrieval
 * code): AES-256-GCM under the first key, labelled with its id; values sealed under an older
 * key still listed stay readable. Each key is derived for one purpose (HMAC-SHA256), so the
 * same secret configured twice never encrypts two kinds of data under one key.
 */
export class SealingKeys {
  private readonly keys: ReadonlyArray<{ id: string; key: Buffer }>;

  constructor(keys: readonly HmacKey[], purpose: string) {
    if (keys.length === 0) throw new Error('at least one sealing key is required');
    this.keys = keys.map((k) => ({ id: k.id, key: createHmac('sha256', k.key).update(purpose).digest() }));
  }

  /** `context` (e.g. the row the value belongs to) is authenticated: the value opens only with it. */
  seal(plaintext: string, context: string): string {
    const current = this.keys[0]!;
    return sealWithKey(current.key, plaintext, current.id, context);
  }

  /** The plaintext, or undefined: a key no longer listed, another context, a tampered value. */
  open(sealed: string, context: string): string | undefined {
    const label = sealedLabel(sealed);
    const key = this.keys.find((k) => k.id === label);
    return key ? openWithKey(key.key, sealed, key.id, context) : undefined;
  }
}
