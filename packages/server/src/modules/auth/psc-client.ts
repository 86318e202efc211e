import * as oidc from 'openid-client';
import { AppError } from '../../platform/errors.js';
import { PscBreaker, type PscBreakerOptions } from './psc-breaker.js';

export interface PscSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  redirectUri: string;
  /** The circuit breaker every PSC call goes through. */
  breaker: PscBreakerOptions;
  /**
   * How long a successful discovery is trusted (default 60 s). Re-checking it is what lets
   * sign-ins notice an outage: otherwise they would redirect browsers to a PSC that is down.
   */
  discoveryMaxAgeMs?: number;
  /** The application's clock (ms), for the discovery age. */
  now?: () => number;
}

/**
 * The relying-party side of Pro Santé Connect. Discovery is done lazily and cached once it
 * succeeds, so the server starts (and open sessions keep working) while PSC is down. Every
 * call to PSC goes through the circuit breaker.
 */
export class PscClient {
  private discovered: { configuration: oidc.Configuration; at: number } | undefined;
  private discovering: Promise<oidc.Configuration> | undefined;
  readonly breaker: PscBreaker;
  private readonly now: () => number;

  constructor(private readonly settings: PscSettings) {
    this.now = settings.now ?? Date.now;
    this.breaker = new PscBreaker(settings.breaker, (error) => error instanceof AppError && error.code === 'AUTH_PROVIDER_UNAVAILABLE');
    // The probe bypasses the open breaker (it is the trial call) and keeps what it fetched.
    this.breaker.setProbe(() => this.rediscover());
  }

  get redirectUri(): string {
    return this.settings.redirectUri;
  }

  async configurationOrThrow(): Promise<oidc.Configuration> {
    this.breaker.assertClosed();
    const maxAge = this.settings.discoveryMaxAgeMs ?? 60_000;
    const cached = this.discovered;
    const age = cached ? this.now() - cached.at : Infinity;
    if (cached && age >= 0 && age < maxAge) return cached.configuration;
    // Concurrent sign-ins share one discovery (and count as one failure if PSC is down).
    this.discovering ??= this.breaker.call(() => this.rediscover()).finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  private async rediscover(): Promise<oidc.Configuration> {
    const configuration = await this.discover();
    this.discovered = { configuration, at: this.now() };
    return configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, timeoutMs } = this.settings;
    const options: oidc.DiscoveryRequestOptions = {
      timeout: Math.ceil(timeoutMs / 1000),
      execute: issuer.startsWith('http://') ? [oidc.allowInsecureRequests] : [],
    };
    const auth = oidc.ClientSecretBasic(clientSecret);
    let configuration: oidc.Configuration;
    try {
      // PSC publishes its metadata at a wallet-specific path first.
      configuration = await oidc.discovery(new URL(`${issuer}/.well-known/wallet-openid-configuration`), clientId, undefined, auth, options);
    } catch (walletError) {
      if (isNetworkFailure(walletError)) throw unavailable(walletError);
      try {
        configuration = await oidc.discovery(new URL(issuer), clientId, undefined, auth, options);
      } catch (error) {
        throw unavailable(error);
      }
    }
    // A document fetched from an explicit well-known URL is not checked by the library.
    if (configuration.serverMetadata().issuer !== issuer) {
      throw unavailable(new Error(`PSC metadata issuer ${configuration.serverMetadata().issuer} is not ${issuer}`));
    }
    oidc.enableNonRepudiationChecks(configuration);
    return configuration;
  }

  async buildAuthorizationUrl(checks: { state: string; nonce: string; codeVerifier: string }): Promise<URL> {
    const configuration = await this.configurationOrThrow();
    return oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Code exchange plus userinfo; protocol failures become AppErrors the user can read. */
  async completeAuthorization(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }) {
    const configuration = await this.configurationOrThrow();
    const tokens = await this.callPsc(() =>
      oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      }),
    );
    const claims = tokens.claims();
    if (!claims) throw new AppError('AUTH_TOKEN_INVALID', { message: 'no ID token' });
    const userinfo = await this.callPsc(() => oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub));
    return { idToken: tokens.id_token ?? null, claims, userinfo };
  }

  async buildEndSessionUrl(idToken: string | null, postLogoutRedirectUri: string): Promise<URL | null> {
    let configuration: oidc.Configuration;
    try {
      configuration = await this.configurationOrThrow();
    } catch {
      return null; // PSC down: the local session is gone, which is what matters.
    }
    if (!configuration.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(configuration, {
      post_logout_redirect_uri: postLogoutRedirectUri,
      ...(idToken ? { id_token_hint: idToken } : {}),
    });
  }

  /** PSC unreachable is a 503 to retry later (and counts for the breaker); a response that fails validation is the user's 400. */
  private callPsc<T>(call: () => Promise<T>): Promise<T> {
    return this.breaker.call(async () => {
      try {
        return await call();
      } catch (error) {
        throw isNetworkFailure(error) ? unavailable(error) : new AppError('AUTH_TOKEN_INVALID', { cause: error });
      }
    });
  }
}

function isNetworkFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  if (cause instanceof Error) return isNetworkFailure(cause);
  // A PSC answering 5xx is unavailable too.
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && status >= 500;
}

function unavailable(cause: unknown): AppError {
  return new AppError('AUTH_PROVIDER_UNAVAILABLE', { cause });
}
