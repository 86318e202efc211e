import { randomBytes } from 'node:crypto';
import type { ClientMetadata, Configuration, FindAccount, KoaContextWithOIDC, Provider } from 'oidc-provider';
import { SCOPE_ALL_CLAIMS, meansFromAmr, pscClaims } from './claims.js';
import { renderErrorHtml } from './errors.js';
import { logoutPage, logoutSuccessPage } from './html.js';
import { generateSigningJwks } from './keys.js';
import { loadOidcProvider } from './load-oidc-provider.js';
import { createMemoryAdapter } from './memory-adapter.js';
import { findProfessional } from './professionals.js';
import type { SandboxClient, SandboxLogger, SandboxProfessional } from './types.js';

export const OIDC_SCOPES = ['openid', 'scope_all'];
export const WALLET_DISCOVERY_PATH = '/.well-known/wallet-openid-configuration';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

// PSC runs on Keycloak: use its endpoint layout so RP code sees familiar URLs.
const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  end_session: '/protocol/openid-connect/logout',
};

export interface ProviderOptions {
  issuer: string;
  issuerPath: string;
  clients: SandboxClient[];
  professionals: SandboxProfessional[];
  logger?: SandboxLogger;
}

function toClientMetadata(client: SandboxClient): ClientMetadata {
  return {
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', // client_secret_post is accepted too
    ...(client.userinfo_signed_response_alg
      ? { userinfo_signed_response_alg: client.userinfo_signed_response_alg }
      : {}),
  };
}

export async function createProvider(opts: ProviderOptions): Promise<{
  provider: Provider;
  SessionNotFound: new (description: string) => Error;
}> {
  const { Provider, errors } = await loadOidcProvider();

  // The means (carte CPS / e-CPS) is recorded as the session's amr at login; userinfo
  // finds the session through the access token's sessionUid. `provider` is created below:
  // findAccount only runs once the provider is serving requests.
  const findAccount: FindAccount = async (ctx, sub, token) => {
    const professional = findProfessional(opts.professionals, sub);
    if (!professional) return undefined;
    return {
      accountId: sub,
      async claims() {
        // Only authorization codes and the session carry the authentication methods.
        let amr = (token && 'amr' in token ? token.amr : undefined) ?? ctx.oidc.session?.amr;
        if (!amr && token?.sessionUid) amr = (await provider.Session.findByUid(token.sessionUid))?.amr;
        return pscClaims(professional, meansFromAmr(amr));
      },
    };
  };

  const ttl = { AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60 };

  const configuration: Configuration = {
    adapter: createMemoryAdapter(),
    clients: opts.clients.map(toClientMetadata),
    jwks: await generateSigningJwks(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: OIDC_SCOPES,
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      iss: null,
      sid: null,
      // acr/amr under openid so every ID token carries them, even without acr_values.
      openid: ['sub', 'acr', 'amr'],
      scope_all: [...SCOPE_ALL_CLAIMS],
    },
    acrValues: ['eidas1'],
    responseTypes: ['code'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    pkce: { required: () => true },
    routes: KEYCLOAK_ROUTES,
    ttl,
    features: {
      devInteractions: { enabled: false },
      // Not offered by PSC; v9 enables them by default.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: KoaContextWithOIDC, form: string) {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
          ctx.type = 'html';
          ctx.body = logoutSuccessPage();
        },
      },
    },
    interactions: {
      url: async (_ctx: KoaContextWithOIDC, interaction: { uid: string }) =>
        `${opts.issuerPath}/interaction/${interaction.uid}`,
    },
    findAccount,
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = renderErrorHtml(out);
    },
    // Same policy as the default, declared to avoid its start-up notice.
    clientBasedCORS(_ctx: KoaContextWithOIDC, origin: string, client: { redirectUris?: string[] }) {
      return (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin);
    },
    discovery: { ui_locales_supported: ['fr-FR'] },
  };

  const provider: Provider = new Provider(opts.issuer, configuration);
  provider.on('server_error', (_ctx: unknown, err: Error) => {
    opts.logger?.warn(`psc-sandbox: erreur interne : ${err.message}`);
  });
  // Replaces Koa's default handler, which prints stack traces to stderr.
  provider.on('error', (err: Error) => {
    opts.logger?.warn(`psc-sandbox: erreur HTTP : ${err.message}`);
  });
  return { provider, SessionNotFound: errors.SessionNotFound };
}
