import type { Contact } from './contacts.js';

export type Onset = { kind: 'symptoms'; date: string } | { kind: 'test'; date: string } | { kind: 'unknown' };

export interface Declaration {
  uploadToken: string;
  tokenExpiresAt: string;
  window: { from: string; to: string };
}

export interface UploadResult {
  accepted: number;
  rejectedOutsideWindow: number;
}

/**
 * A call that did not succeed. With `status`, the server answered (its French message is
 * `message`); without, it could not be reached or its answer could not be read.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly info: { status?: number; code?: string; requestId?: string; retryAfterSeconds?: number; details?: unknown } = {},
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;

/** The StopCovid app's two calls against the public API at `baseUrl`. */
export function createAppApi(baseUrl: URL, fetchFn: typeof fetch) {
  // Resolving relative to a base ending in "/" keeps a path prefix (server behind a proxy).
  const base = new URL(baseUrl.href.endsWith('/') ? baseUrl.href : `${baseUrl.href}/`);
  return {
    declare: (deviceId: string, code: string, onset: Onset) =>
      postJson(fetchFn, new URL('api/app/v1/declarations', base), { 'x-device-id': deviceId }, { code, onset }, 201, isDeclaration),
    uploadContacts: (uploadToken: string, contacts: Contact[]) =>
      postJson(fetchFn, new URL('api/app/v1/declarations/contacts', base), { authorization: `Bearer ${uploadToken}` }, { contacts }, 202, isUploadResult),
  };
}

async function postJson<T>(
  fetchFn: typeof fetch,
  url: URL,
  headers: Record<string, string>,
  body: unknown,
  expectedStatus: number,
  isExpected: (value: unknown) => value is T,
): Promise<T> {
  let response: Response;
  let text: string;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new ApiError(describeNetworkFailure(url, error));
  }
  const json = parseJsonOrUndefined(text);
  if (response.status === expectedStatus && isExpected(json)) return json;
  if (response.ok) {
    throw new ApiError(`Réponse inattendue du serveur ${url.origin} (statut ${response.status}) : est-ce bien un serveur ProStopCovid ?`, { status: response.status });
  }
  throw errorFromResponse(response, json);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The server's `{ error: { code, message, requestId, retryAfterSeconds? } }`, or a generic message. */
function errorFromResponse(response: Response, json: unknown): ApiError {
  const error = (json as { error?: Record<string, unknown> } | undefined)?.error;
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after')) ?? numberOr(error?.retryAfterSeconds);
  const info = {
    status: response.status,
    code: stringOr(error?.code),
    requestId: stringOr(error?.requestId),
    retryAfterSeconds,
    details: error?.details,
  };
  const message = stringOr(error?.message) ?? `Le serveur a répondu ${response.status} ${response.statusText} sans message d'erreur lisible.`;
  return new ApiError(message, info);
}

const stringOr = (value: unknown) => (typeof value === 'string' ? value : undefined);
const numberOr = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Retry-After is either delay-seconds or an HTTP date. */
function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connexion refusée',
  ENOTFOUND: 'nom de serveur introuvable',
  EAI_AGAIN: 'nom de serveur introuvable pour le moment',
  ECONNRESET: 'connexion interrompue',
  ETIMEDOUT: 'délai de connexion dépassé',
  UND_ERR_CONNECT_TIMEOUT: 'délai de connexion dépassé',
  EHOSTUNREACH: 'serveur inaccessible',
  ENETUNREACH: 'réseau inaccessible',
  UND_ERR_SOCKET: 'connexion interrompue',
};

function describeNetworkFailure(url: URL, error: unknown): string {
  const hint = "Vérifiez l'adresse (--url ou PROSTOPCOVID_URL) et que le serveur est démarré.";
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `Le serveur ${url.origin} n'a pas répondu dans les ${TIMEOUT_MS / 1000} secondes. ${hint}`;
  }
  // fetch throws "fetch failed" and puts the system error (ECONNREFUSED…) in `cause`.
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code;
  const reason =
    (code ? NETWORK_REASONS[code] : undefined) ??
    (cause?.message === 'bad port' ? 'port réservé, que fetch refuse d\'utiliser' : undefined) ??
    cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `Impossible de joindre le serveur ${url.origin} : ${reason}${code ? ` (${code})` : ''}. ${hint}`;
}

function isDeclaration(value: unknown): value is Declaration {
  const v = value as Partial<Declaration> | undefined;
  return typeof v?.uploadToken === 'string' && typeof v.tokenExpiresAt === 'string' && typeof v.window?.from === 'string' && typeof v.window.to === 'string';
}

function isUploadResult(value: unknown): value is UploadResult {
  const v = value as Partial<UploadResult> | undefined;
  return typeof v?.accepted === 'number' && typeof v.rejectedOutsideWindow === 'number';
}
