import { isAnswer } from '@prostopcovid/contracts/check';
import { ErrorAnswer } from '@prostopcovid/contracts/errors';
import {
  CaptchaChallenge,
  Clock,
  Done,
  Registered,
  Reported,
  RobertConfig,
  Status,
  type AuthenticatedBody,
  type RegisterBody,
  type ReportBody,
} from '@prostopcovid/contracts/robert';
import type { Static, TSchema } from 'typebox';

/** What a phone asks the ROBERT server; the HTTP client below, or anything else in tests. */
export interface RobertApi {
  config(): Promise<RobertConfig>;
  captcha(): Promise<CaptchaChallenge>;
  register(body: RegisterBody): Promise<Registered>;
  status(body: AuthenticatedBody): Promise<Status>;
  report(body: ReportBody): Promise<Reported>;
  unregister(body: AuthenticatedBody): Promise<Done>;
  deleteExposureHistory(body: AuthenticatedBody): Promise<Done>;
  clock(): Promise<Clock>;
}

/** A refused or failed call: with `status` the server answered (its French message is the message). */
export class RobertApiError extends Error {
  constructor(
    message: string,
    readonly info: { status?: number; code?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
}

/** The protocol over HTTP, at `${baseUrl}/api/robert/v1/`. Answers are checked against the contract. */
export function createRobertHttpApi(baseUrl: string | URL, fetchFn: typeof fetch = fetch, timeoutMs = 30_000): RobertApi {
  const href = typeof baseUrl === 'string' ? baseUrl : baseUrl.href;
  const base = new URL('api/robert/v1/', href.endsWith('/') ? href : `${href}/`);
  const call = async <S extends TSchema>(method: 'GET' | 'POST', path: string, expected: number, answer: S, body?: unknown): Promise<Static<S>> => {
    let response: Response;
    let json: unknown;
    try {
      response = await fetchFn(new URL(path, base), {
        method,
        headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      json = await response.json().catch(() => undefined);
    } catch {
      throw new RobertApiError('Le serveur StopCovid est injoignable. Vérifiez votre connexion et réessayez.');
    }
    if (response.status === expected && isAnswer(answer, json)) return json;
    if (isAnswer(ErrorAnswer, json)) {
      const { message, code, retryAfterSeconds } = json.error;
      throw new RobertApiError(message, { status: response.status, code, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
    }
    throw new RobertApiError(`Réponse inattendue du serveur StopCovid (HTTP ${response.status}).`, { status: response.status });
  };
  return {
    config: () => call('GET', 'config', 200, RobertConfig),
    captcha: () => call('POST', 'captcha', 201, CaptchaChallenge, {}),
    register: (body) => call('POST', 'register', 201, Registered, body),
    status: (body) => call('POST', 'status', 200, Status, body),
    report: (body) => call('POST', 'report', 200, Reported, body),
    unregister: (body) => call('POST', 'unregister', 200, Done, body),
    deleteExposureHistory: (body) => call('POST', 'deleteExposureHistory', 200, Done, body),
    clock: () => call('GET', 'clock', 200, Clock),
  };
}
