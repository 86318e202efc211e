import { isAnswer } from '@prostopcovid/contracts/check';
import { ErrorAnswer } from '@prostopcovid/contracts/errors';
import type { Static, TSchema } from 'typebox';

/** The one way the client talks to the server: JSON, same-origin cookies, CSRF header on writes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For REQUEST_INVALID: which fields the server rejected (`path` is a JSON pointer). */
    readonly details?: unknown,
    /** For 429/503: when the server says to try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The server could not be reached at all (offline, server down): callers keep local data. */
export class NetworkError extends Error {}

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Dispatched on `window` when a request finds the session gone. */
export const SESSION_LOST_EVENT = 'prostopcovid:session-lost';

/**
 * Sends the request; a failed answer becomes an ApiError with the server's French message.
 * A body is sent as JSON, except a Blob (a file upload), sent as is with the content type the caller gives.
 */
async function send(method: string, path: string, body: unknown, extraHeaders: Record<string, string>, accept: string): Promise<Response> {
  const raw = body instanceof Blob;
  const headers: Record<string, string> = { accept, ...extraHeaders };
  if (body !== undefined && !raw) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
  } catch {
    throw new NetworkError('Le serveur est injoignable. Vérifiez votre connexion.');
  }
  if (!response.ok) {
    const payload: unknown = await response.json().catch(() => null);
    const error = isAnswer(ErrorAnswer, payload) ? payload.error : undefined;
    // The session ended while a page was open (expired, signed out elsewhere): the page says so with a way back in.
    if (response.status === 401 && path !== '/api/me' && (error?.code === 'AUTH_REQUIRED' || error?.code === 'AUTH_SESSION_EXPIRED')) {
      window.dispatchEvent(new CustomEvent(SESSION_LOST_EVENT));
    }
    throw new ApiError(response.status, error?.code ?? 'UNKNOWN', error?.message ?? `Erreur ${response.status}`, error?.details, error?.retryAfterSeconds);
  }
  return response;
}

/**
 * Sends the request and checks the answer against its contract: what is not the service's
 * answer (a captive portal's page, a proxy's, another server's) is refused as a 502, which
 * callers treat like an unreachable server.
 */
export async function apiRequest<S extends TSchema>(
  answer: S,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<Static<S>> {
  const response = await send(method, path, body, extraHeaders, 'application/json');
  const payload: unknown = response.status === 204 ? undefined : await response.json().catch(() => null);
  if (!isAnswer(answer, payload)) {
    throw new ApiError(502, 'RESPONSE_UNEXPECTED', "Réponse inattendue du serveur. Réessayez dans un instant ou rechargez la page.");
  }
  return payload;
}

/** A document (PDF) from a POST, as a Blob to save. */
export async function apiDownload(path: string, body?: unknown): Promise<Blob> {
  return (await send('POST', path, body, {}, 'application/pdf, application/json')).blob();
}

/** A file (a CSV export) from a GET, with the answer's headers (how many lines it holds, for example). */
export async function apiGetFile(path: string, accept: string): Promise<{ blob: Blob; headers: Headers }> {
  const response = await send('GET', path, undefined, {}, `${accept}, application/json`);
  return { blob: await response.blob(), headers: response.headers };
}

export function getCsrfToken(): string | null {
  return csrfToken;
}
