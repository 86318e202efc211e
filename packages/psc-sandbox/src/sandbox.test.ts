import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, driveLogin, driveLogout, professionals, startPscSandbox, type RunningSandbox } from './index.js';

const RP = 'http://rp.test';
const client = {
  client_id: 'rp-test',
  client_secret: 'rp-test-secret',
  redirect_uris: [`${RP}/auth/callback`],
  post_logout_redirect_uris: [`${RP}/`],
};
const jwtClient = {
  client_id: 'rp-jwt',
  client_secret: 'rp-jwt-secret',
  redirect_uris: [`${RP}/jwt/callback`],
  userinfo_signed_response_alg: 'ES256' as const,
};

const gp = professionals.find((p) => p.exercices[0]?.codeSavoirFaire === 'SM54' && p.exercices.length === 1)!;

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  scopes_supported: string[];
  acr_values_supported: string[];
  claims_supported: string[];
  code_challenge_methods_supported: string[];
  token_endpoint_auth_methods_supported: string[];
}

function base64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (!payload) throw new Error(`not a JWT: ${jwt}`);
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

let sandbox: RunningSandbox;
let discovery: Discovery;

beforeAll(async () => {
  sandbox = await startPscSandbox({ port: 0, clients: [client, jwtClient] });
  discovery = (await (await fetch(`${sandbox.issuer}/.well-known/openid-configuration`)).json()) as Discovery;
});

afterAll(async () => {
  await sandbox?.close();
});

function authorizationRequest(c: { client_id: string; redirect_uris: string[] }) {
  const state = base64url(randomBytes(16));
  const nonce = base64url(randomBytes(16));
  const codeVerifier = base64url(randomBytes(32));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: c.client_id,
    redirect_uri: c.redirect_uris[0]!,
    response_type: 'code',
    scope: 'openid scope_all',
    acr_values: 'eidas1',
    state,
    nonce,
    code_challenge: base64url(createHash('sha256').update(codeVerifier).digest()),
    code_challenge_method: 'S256',
  }).toString();
  return { url: url.href, state, nonce, codeVerifier };
}

async function exchangeCode(
  c: { client_id: string; client_secret: string; redirect_uris: string[] },
  code: string,
  codeVerifier: string,
) {
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: c.redirect_uris[0]!,
      code_verifier: codeVerifier,
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; id_token: string; token_type: string };
}

/** The userinfo claims these tests read, as Pro Santé Connect names them. */
interface PscUserinfo {
  sub: string;
  SubjectNameID: string;
  preferred_username: string;
  given_name: string;
  family_name: string;
  Mode_Acces_Raccordement: string;
  SubjectRole: string[];
  SubjectOrganization: string;
  SubjectRefPro: { codeCivilite: string; exercices: Array<{ codeProfession: string }> };
}

async function login(
  c: typeof client | typeof jwtClient,
  choice: Parameters<typeof driveLogin>[1],
  jar?: CookieJar,
) {
  const request = authorizationRequest(c);
  const callback = new URL(await driveLogin(request.url, choice, jar));
  expect(callback.origin + callback.pathname).toBe(c.redirect_uris[0]);
  expect(callback.searchParams.get('error')).toBeNull();
  expect(callback.searchParams.get('state')).toBe(request.state);
  const code = callback.searchParams.get('code');
  expect(code).toBeTruthy();
  const tokens = await exchangeCode(c, code!, request.codeVerifier);
  return { ...tokens, request, idToken: decodeJwtPayload(tokens.id_token) };
}

describe('discovery', () => {
  it('publishes the standard document with PSC scopes, acr and claims', () => {
    expect(discovery.issuer).toBe(sandbox.issuer);
    expect(sandbox.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\/realms\/esante-wallet$/);
    for (const endpoint of [
      discovery.authorization_endpoint,
      discovery.token_endpoint,
      discovery.userinfo_endpoint,
      discovery.jwks_uri,
      discovery.end_session_endpoint,
    ]) {
      expect(endpoint.startsWith(`${sandbox.issuer}/`)).toBe(true);
    }
    expect(discovery.scopes_supported).toEqual(expect.arrayContaining(['openid', 'scope_all']));
    expect(discovery.acr_values_supported).toContain('eidas1');
    expect(discovery.claims_supported).toEqual(
      expect.arrayContaining(['SubjectRefPro', 'SubjectNameID', 'Mode_Acces_Raccordement', 'SubjectRole']),
    );
    expect(discovery.code_challenge_methods_supported).toContain('S256');
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
  });

  it('serves the same document at PSC wallet-openid-configuration', async () => {
    const response = await fetch(`${sandbox.issuer}/.well-known/wallet-openid-configuration`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(discovery);
  });

  it('serves a JWKS with RS256 and ES256 public keys only', async () => {
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) expect(key.d).toBeUndefined();
  });
});

describe('authorization code flow', () => {
  it('renders the French login page', async () => {
    const jar = new CookieJar();
    const { url } = authorizationRequest(client);
    const first = await fetch(url, { redirect: 'manual' });
    jar.store(first, new URL(url));
    const interactionUrl = new URL(first.headers.get('location')!, url);
    expect(interactionUrl.pathname).toMatch(/^\/auth\/realms\/esante-wallet\/interaction\/[^/]+$/);
    const page = await fetch(interactionUrl, { headers: { cookie: jar.header(interactionUrl)! } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain('Pro Santé Connect — bac à sable');
    expect(html).toContain(gp.idNatPs);
    expect(html).toContain('Carte CPS');
    expect(html).toContain('e-CPS (application mobile)');
    expect(html).toContain("<label for=\"acr\">Niveau d'authentification (tests)</label>");
    expect(html).toContain('Se connecter');
  });

  it('logs in the GP with a CPS card: ID token with eidas1, PSC claims at userinfo', async () => {
    const { access_token, idToken, request } = await login(client, { idNatPs: gp.idNatPs, means: 'CARTE_CPS' });
    expect(idToken.iss).toBe(sandbox.issuer);
    expect(idToken.aud).toBe(client.client_id);
    expect(idToken.sub).toBe(gp.idNatPs);
    expect(idToken.nonce).toBe(request.nonce);
    expect(idToken.acr).toBe('eidas1');
    expect(idToken.amr).toEqual(['pin']);

    const response = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${access_token}` } });
    expect(response.status).toBe(200);
    const userinfo = (await response.json()) as PscUserinfo;
    expect(userinfo.sub).toBe(gp.idNatPs);
    expect(userinfo.SubjectNameID).toBe(gp.idNatPs);
    expect(userinfo.preferred_username).toBe(gp.idNatPs);
    expect(userinfo.given_name).toBe(gp.givenName);
    expect(userinfo.family_name).toBe(gp.familyName);
    expect(userinfo.Mode_Acces_Raccordement).toBe('CARTE_CPS');
    expect(userinfo.SubjectRole).toEqual(['10^1.2.250.1.213.1.1.5.5']);
    expect(userinfo.SubjectOrganization).toBe(gp.exercices[0]!.activities[0]!.raisonSocialeSite);
    expect(userinfo.SubjectRefPro.codeCivilite).toBe('');
    expect(userinfo.SubjectRefPro.exercices[0]).toMatchObject({
      codeProfession: '10',
      codeCategorieProfessionnelle: 'C',
      codeSavoirFaire: 'SM54',
      codeTypeSavoirFaire: 'S',
      nomDexercice: gp.familyName,
      prenomDexercice: gp.givenName,
    });
  });

  it('reports e-CPS as MOBILE with mfa', async () => {
    const { access_token, idToken } = await login(client, { idNatPs: gp.idNatPs, means: 'MOBILE' });
    expect(idToken.amr).toEqual(['mfa']);
    const userinfo = (await (
      await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${access_token}` } })
    ).json()) as Record<string, unknown>;
    expect(userinfo.Mode_Acces_Raccordement).toBe('MOBILE');
  });

  it('reuses the session (SSO) and consents automatically for another client', async () => {
    const jar = new CookieJar();
    await login(client, { idNatPs: gp.idNatPs, means: 'MOBILE' }, jar);
    // Same client again: no interaction at all. Another client: automatic consent only.
    // The idNatPs given here is never used since no login form is shown.
    const again = await login(client, { idNatPs: 'jamais-utilise' }, jar);
    expect(again.idToken.sub).toBe(gp.idNatPs);
    const other = await login(jwtClient, { idNatPs: 'jamais-utilise' }, jar);
    expect(other.idToken.sub).toBe(gp.idNatPs);
    expect(other.idToken.amr).toEqual(['mfa']);
    const jwt = await (
      await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${other.access_token}` } })
    ).text();
    expect(decodeJwtPayload(jwt).Mode_Acces_Raccordement).toBe('MOBILE');
  });

  it("acr 'aucun' gives an ID token that does not claim eidas1", async () => {
    const { idToken } = await login(client, { idNatPs: gp.idNatPs, acr: 'aucun' });
    expect(idToken.acr).not.toBe('eidas1');
  });

  it('returns every exercice of a multi-exercice professional', async () => {
    const multi = professionals.find((p) => p.exercices.length > 1)!;
    const { access_token } = await login(client, { idNatPs: multi.idNatPs });
    const userinfo = (await (
      await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${access_token}` } })
    ).json()) as PscUserinfo;
    expect(userinfo.SubjectRefPro.exercices.map((e: { codeProfession: string }) => e.codeProfession)).toEqual([
      '10',
      '21',
    ]);
    expect(userinfo.SubjectRole).toEqual(['10^1.2.250.1.213.1.1.5.5', '21^1.2.250.1.213.1.1.5.5']);
  });

  it('rejects an unknown idNatPs with a French 400 page', async () => {
    const jar = new CookieJar();
    const { url } = authorizationRequest(client);
    const first = await fetch(url, { redirect: 'manual' });
    jar.store(first, new URL(url));
    const interactionUrl = new URL(first.headers.get('location')!, url);
    const loginUrl = new URL(`${interactionUrl.pathname}/login`, interactionUrl);
    const response = await fetch(loginUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar.header(loginUrl)!, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ idNatPs: '899999999999', means: 'CARTE_CPS', acr: 'eidas1' }),
    });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('Identifiant national inconnu');
    expect(html).toContain('Se connecter');

    await expect(driveLogin(authorizationRequest(client).url, { idNatPs: '899999999999' })).rejects.toThrow(
      /Identifiant national inconnu/,
    );
  });

  it('answers a missing interaction session with a French 400 page', async () => {
    const response = await fetch(`${sandbox.issuer}/interaction/inconnu`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('session de connexion est introuvable');
  });

  it('renders oidc-provider errors in French', async () => {
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: 'http://evil.test/cb',
      response_type: 'code',
      scope: 'openid',
    }).toString();
    const response = await fetch(url);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('adresse de retour');
    expect(html).not.toMatch(/at .*\.js:\d+/);
  });

  it('requires PKCE', async () => {
    const url = new URL(authorizationRequest(client).url);
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const callback = new URL(await driveLogin(url.href, { idNatPs: gp.idNatPs }));
    expect(callback.searchParams.get('error')).toBe('invalid_request');
  });

  it('accepts client_secret_post at the token endpoint', async () => {
    const request = authorizationRequest(client);
    const code = new URL(await driveLogin(request.url, { idNatPs: gp.idNatPs })).searchParams.get('code')!;
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: client.redirect_uris[0]!,
        code_verifier: request.codeVerifier,
        client_id: client.client_id,
        client_secret: client.client_secret,
      }),
    });
    expect(response.status).toBe(200);
  });

  it('returns a signed JWT from userinfo for a client with userinfo_signed_response_alg', async () => {
    const { access_token } = await login(jwtClient, { idNatPs: gp.idNatPs });
    const response = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${access_token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jwt/);
    const jwt = await response.text();
    const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as { alg: string };
    expect(header.alg).toBe('ES256');
    const claims = decodeJwtPayload(jwt);
    expect(claims.SubjectNameID).toBe(gp.idNatPs);
    expect(claims.iss).toBe(sandbox.issuer);
    expect(claims.aud).toBe(jwtClient.client_id);
  });
});

describe('logout', () => {
  it('logs out automatically and redirects to the post_logout_redirect_uri', async () => {
    const jar = new CookieJar();
    const { id_token, access_token } = await login(client, { idNatPs: gp.idNatPs }, jar);
    const url = new URL(discovery.end_session_endpoint);
    url.search = new URLSearchParams({
      id_token_hint: id_token,
      post_logout_redirect_uri: `${RP}/`,
      state: 'etat-logout',
    }).toString();
    const final = new URL(await driveLogout(url.href, jar));
    expect(final.origin + final.pathname).toBe(`${RP}/`);
    expect(final.searchParams.get('state')).toBe('etat-logout');

    // The session is gone: its access token no longer works and a new login is required.
    const userinfo = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${access_token}` } });
    expect(userinfo.status).toBe(401);
    const again = await fetch(authorizationRequest(client).url, {
      redirect: 'manual',
      headers: { cookie: jar.header(new URL(discovery.authorization_endpoint)) ?? '' },
    });
    expect(new URL(again.headers.get('location')!, sandbox.issuer).pathname).toContain('/interaction/');
  });

  it('ends on the French success page without post_logout_redirect_uri', async () => {
    const final = await driveLogout(`${discovery.end_session_endpoint}?client_id=${client.client_id}`);
    expect(final.startsWith(sandbox.issuer)).toBe(true);
    const html = await (await fetch(final)).text();
    expect(html).toContain('Vous êtes déconnecté');
  });
});

describe('startPscSandbox', () => {
  it('honours issuerPath and closes promptly', async () => {
    const other = await startPscSandbox({ clients: [client], issuerPath: '/psc/' });
    expect(other.issuer).toBe(`http://127.0.0.1:${other.port}/psc`);
    const doc = (await (await fetch(`${other.issuer}/.well-known/openid-configuration`)).json()) as Discovery;
    expect(doc.token_endpoint).toBe(`${other.issuer}/protocol/openid-connect/token`);
    expect((await fetch(`http://127.0.0.1:${other.port}/ailleurs`)).status).toBe(404);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${other.issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });
});
