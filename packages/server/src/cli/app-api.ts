import { isAnswer } from '@prostopcovid/contracts/check';
import { Declared, type Onset } from '@prostopcovid/contracts/declarations';
import { ErrorAnswer } from '@prostopcovid/contracts/errors';
import type { Static, TSchema } from 'typebox';

export type { Onset };
export type Declaration = Declared;

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

/** The StopCovid app's declaration call against the public API at `baseUrl` (ROBERT calls go through @prostopcovid/phone). */
export function createAppApi(baseUrl: URL, fetchFn: typeof fetch) {
  // Resolving relative to a base ending in "/" keeps a path prefix (server behind a proxy).
  const base = new URL(baseUrl.href.endsWith('/') ? baseUrl.href : `${baseUrl.href}/`);
  return {
    declare: (deviceId: string, code: string, onset: Onset) =>
      postJson(fetchFn, new URL('api/app/v1/declarations', base), { 'x-device-id': deviceId }, { code, onset }, 201, Declared),
  };
}

async function postJson<S extends TSchema>(
  fetchFn: typeof fetch,
  url: URL,
  headers: Record<string, string>,
  body: unknown,
  expectedStatus: number,
  answer: S,
): Promise<Static<S>> {
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
  if (response.status === expectedStatus && isAnswer(answer, json)) return json;
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
  const error = isAnswer(ErrorAnswer, json) ? json.error : undefined;
  const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after')) ?? error?.retryAfterSeconds;
  const info = { status: response.status, code: error?.code, requestId: error?.requestId, retryAfterSeconds, details: error?.details };
  const message = error?.message ?? `Le serveur a répondu ${response.status} ${response.statusText} sans message d'erreur lisible.`;
  return new ApiError(message, info);
}

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

export function describeNetworkFailure(url: URL, error: unknown): string {
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
