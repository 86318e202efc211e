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

/** Sends the request; a failed answer becomes an ApiError with the server's French message. */
async function send(method: string, path: string, body: unknown, extraHeaders: Record<string, string>, accept: string): Promise<Response> {
  const headers: Record<string, string> = { accept, ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new NetworkError('Le serveur est injoignable. Vérifiez votre connexion.');
  }
  if (!response.ok) {
    const payload = (await response.json().catch(() => null)) as { error?: { code: string; message: string; details?: unknown; retryAfterSeconds?: number } } | null;
    const error = payload?.error;
    throw new ApiError(response.status, error?.code ?? 'UNKNOWN', error?.message ?? `Erreur ${response.status}`, error?.details, error?.retryAfterSeconds);
  }
  return response;
}

export async function apiRequest<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const response = await send(method, path, body, extraHeaders, 'application/json');
  return (await response.json().catch(() => null)) as T;
}

/** A document (PDF) from a POST, as a Blob to save. */
export async function apiDownload(path: string, body?: unknown): Promise<Blob> {
  return (await send('POST', path, body, {}, 'application/pdf, application/json')).blob();
}

export function getCsrfToken(): string | null {
  return csrfToken;
}
