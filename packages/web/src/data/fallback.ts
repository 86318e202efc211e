import {
  FallbackAccountStatus,
  FallbackChannelStatus,
  FallbackEnrollment,
  FallbackSignInResponse,
  PASSWORD_MIN_LENGTH,
  type FallbackMode,
} from '@prostopcovid/contracts/fallback';
import { Type } from 'typebox';
import { apiRequest } from './api';
import { noteSignInStarted } from './store';

/** The second sign-in channel (local account + TOTP), for when Pro Santé Connect is down. */

export type { FallbackMode };
export type { FallbackAccountStatus, FallbackChannelStatus, FallbackEnrollment };
export { PASSWORD_MIN_LENGTH };

export function fetchFallbackChannelStatus(): Promise<FallbackChannelStatus> {
  return apiRequest(FallbackChannelStatus, 'GET', '/api/auth/fallback/status');
}

export async function signInWithFallback(input: { idNatPs: string; password: string; totpCode: string; returnTo?: string }): Promise<FallbackSignInResponse> {
  const result = await apiRequest(FallbackSignInResponse, 'POST', '/auth/fallback', input);
  noteSignInStarted();
  return result;
}

export function fetchFallbackAccount(): Promise<FallbackAccountStatus> {
  return apiRequest(FallbackAccountStatus, 'GET', '/api/fallback-account');
}

export function startFallbackEnrollment(): Promise<FallbackEnrollment> {
  return apiRequest(FallbackEnrollment, 'POST', '/api/fallback-account/enrollment');
}

export function activateFallbackAccount(input: { password: string; totpCode: string }): Promise<FallbackAccountStatus> {
  return apiRequest(FallbackAccountStatus, 'POST', '/api/fallback-account', input);
}

export async function deleteFallbackAccount(): Promise<void> {
  await apiRequest(Type.Undefined(), 'DELETE', '/api/fallback-account');
}

/** What the user typed as a 6-digit code, without the spaces apps show in the middle. */
export function normalizeTotpCode(value: string): string {
  return value.replace(/\s+/g, '');
}

/** Base32 secret grouped by four, easier to copy by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
