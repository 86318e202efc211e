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
  return sealWithKey(deriveFromToken(token, purpose), plaintext, 'v1');
}

/** The plaintext, or undefined for another token, a tampered value or an unknown format. */
export function openWithToken(token: string, purpose: string, sealed: string): string | undefined {
  return openWithKey(deriveFromToken(token, purpose), sealed, 'v1');
}

/**
 * AES-256-GCM under a 32-byte key, with a random 96-bit IV: `<label>.<iv>.<ciphertext and tag>`
 * (base64url). `context`, authenticated but not stored (GCM's associated data), ties the value
 * to where it belongs: opened with another context, it does not open.
 */
export function sealWithKey(key: Buffer, plaintext: string, label: string, context = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (context) cipher.setAAD(Buffer.from(context, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${label}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** The label of a sealed value (what `sealWithKey` was given), or undefined when it has no such form. */
export function sealedLabel(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length >= 3 ? parts.slice(0, -2).join('.') : undefined;
}

/** The plaintext, or undefined for another key, label or context, a tampered value or an unknown format. */
export function openWithKey(key: Buffer, sealed: string, label: string, context = ''): string | undefined {
  const parts = sealed.split('.');
  const [iv, body] = parts.slice(-2);
  if (parts.length < 3 || sealedLabel(sealed) !== label || !iv || !body) return undefined;
  try {
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    if (context) decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
