import { apiRequest } from './api';
import { noteSignInStarted } from './store';

/** The second sign-in channel (local account + TOTP), for when Pro Santé Connect is down. */

export type FallbackMode = 'incident' | 'always' | 'never';

export interface FallbackChannelStatus {
  /** Whether the channel accepts sign-ins right now. */
  open: boolean;
  mode: FallbackMode;
}

export interface FallbackAccountStatus {
  enrolled: boolean;
  enrolledAt: string | null;
  lastUsedAt: string | null;
  signInMode: FallbackMode;
}

export interface FallbackEnrollment {
  /** Base32, for typing into the app when the QR code cannot be scanned. */
  secret: string;
  otpauthUri: string;
  expiresAt: string;
}

/** Same rule as the server; checked here too so the form answers at once. */
export const PASSWORD_MIN_LENGTH = 12;

export function fetchFallbackChannelStatus(): Promise<FallbackChannelStatus> {
  return apiRequest<FallbackChannelStatus>('GET', '/api/auth/fallback/status');
}

export async function signInWithFallback(input: { idNatPs: string; password: string; totpCode: string; returnTo?: string }): Promise<{ ok: true; returnTo: string }> {
  const result = await apiRequest<{ ok: true; returnTo: string }>('POST', '/auth/fallback', input);
  noteSignInStarted();
  return result;
}

export function fetchFallbackAccount(): Promise<FallbackAccountStatus> {
  return apiRequest<FallbackAccountStatus>('GET', '/api/fallback-account');
}

export function startFallbackEnrollment(): Promise<FallbackEnrollment> {
  return apiRequest<FallbackEnrollment>('POST', '/api/fallback-account/enrollment');
}

export function activateFallbackAccount(input: { password: string; totpCode: string }): Promise<FallbackAccountStatus> {
  return apiRequest<FallbackAccountStatus>('POST', '/api/fallback-account', input);
}

export async function deleteFallbackAccount(): Promise<void> {
  await apiRequest<void>('DELETE', '/api/fallback-account');
}

/** What the user typed as a 6-digit code, without the spaces apps show in the middle. */
export function normalizeTotpCode(value: string): string {
  return value.replace(/\s+/g, '');
}

/** Base32 secret grouped by four, easier to copy by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
