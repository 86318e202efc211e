import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe random token with 256 bits of entropy. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Lookup key for a bearer secret: the database keeps only this. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // timingSafeEqual needs equal lengths; comparing the lengths leaks only the length.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * A key derived from a bearer token for one purpose (HMAC-SHA256). What only the bearer may
 * read or prove — a session's CSRF token, its PSC id_token — is derived from or sealed with
 * the cookie value, so the database, which keeps only the token's hash, holds none of it.
 */
export function deriveFromToken(token: string, purpose: string): Buffer {
  return createHmac('sha256', token).update(purpose).digest();
}

/** AES-256-GCM under a key derived from `token`: `v1.<iv>.<ciphertext and tag>` (base64url). */
export function sealWithToken(token: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveFromToken(token, purpose), iv);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** The plaintext, or undefined for another token, a tampered value or an unknown format. */
export function openWithToken(token: string, purpose: string, sealed: string): string | undefined {
  const [version, iv, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !body) return undefined;
  try {
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', deriveFromToken(token, purpose), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
