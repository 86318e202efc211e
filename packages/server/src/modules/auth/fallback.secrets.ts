import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import * as OTPAuth from 'otpauth';

/**
 * Secrets of the second sign-in channel. The password goes through scrypt; its output is
 * split in two: one half is stored to check the password, the other half is the AES-256-GCM
 * key of the TOTP secret. A database leak thus yields neither the password nor the TOTP
 * secret without brute-forcing scrypt, and no server key has to be managed for it.
 */

// N = 2^15, r = 8: 32 MiB and about 50-100 ms per check, enough to make guessing slow without
// letting a wave of sign-ins during an outage exhaust the server.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const HALF = 32;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, 2 * HALF, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export interface DerivedPassword {
  /** Stored: `scrypt$N$r$p$salt$check` (base64url), so parameters can change later. */
  stored: string;
  /** Never stored: encrypts the TOTP secret. */
  key: Buffer;
}

export async function hashPassword(password: string): Promise<DerivedPassword> {
  const salt = randomBytes(16);
  const output = await derive(password, salt, SCRYPT);
  return {
    stored: ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), output.subarray(0, HALF).toString('base64url')].join('$'),
    key: output.subarray(HALF),
  };
}

/** The TOTP key if the password matches, null otherwise. */
export async function verifyPassword(stored: string, password: string): Promise<Buffer | null> {
  const [scheme, n, r, p, salt, check] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !check) return null;
  const output = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  const expected = Buffer.from(check, 'base64url');
  const actual = output.subarray(0, HALF);
  return expected.length === actual.length && timingSafeEqual(expected, actual) ? output.subarray(HALF) : null;
}

let dummy: Promise<DerivedPassword> | undefined;

/** Spends the time of a real check, so an unknown account answers as slowly as a wrong password. */
export async function spendPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('not a password, only spends the time of a real check');
  await verifyPassword((await dummy).stored, password);
}

/** `v1.iv.ciphertext.tag`; the professional id is authenticated data, so a secret cannot be moved to another row. */
export function encryptTotpSecret(key: Buffer, professionalId: string, secretBase32: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(professionalId));
  const ciphertext = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final()]);
  return ['v1', iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

export function decryptTotpSecret(key: Buffer, professionalId: string, stored: string): string {
  const [version, iv, ciphertext, tag] = stored.split('.');
  if (version !== 'v1' || !iv || !ciphertext || !tag) throw new Error('unknown TOTP secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(professionalId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

export const TOTP_PERIOD_SECONDS = 30;
const TOTP_ISSUER = 'ProStopCovid';

/** A fresh 160-bit secret (RFC 4226's recommended size), base32 as authenticator apps read it. */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ size: 20 }).base32;
}

export function totpUri(secretBase32: string, label: string): string {
  return totp(secretBase32, label).toString();
}

function totp(secretBase32: string, label = '') {
  return new OTPAuth.TOTP({ issuer: TOTP_ISSUER, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secretBase32) });
}

/**
 * The time step of `code` if it is valid at `now` give or take one step (phone clocks
 * drift), null otherwise. The caller refuses steps already used.
 */
export function matchTotp(secretBase32: string, code: string, now: Date): number | null {
  const delta = totp(secretBase32).validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return OTPAuth.TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: now.getTime() }) + delta;
}
