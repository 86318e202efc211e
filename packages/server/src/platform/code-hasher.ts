import { createHmac } from 'node:crypto';
import type { HmacKey } from './keys.js';

/**
 * Codes are stored only as HMACs. The first key hashes new codes; older keys stay listed so
 * that codes issued before a rotation remain redeemable until they expire.
 */
export class CodeHasher {
  constructor(private readonly keys: readonly HmacKey[]) {
    if (keys.length === 0) throw new Error('at least one HMAC key is required');
  }

  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  hash(code: string): string {
    return this.hashWith(this.keys[0]!, code);
  }

  /** The hash of the code under every key still accepted, current first. */
  candidates(code: string): string[] {
    return this.keys.map((key) => this.hashWith(key, code));
  }

  private hashWith(key: HmacKey, code: string): string {
    return createHmac('sha256', key.key).update(code).digest('base64url');
  }
}
