// Test helpers that play the browser's part against the sandbox with plain fetch:
// manual redirects, a tiny cookie jar, and submission of the sandbox's HTML forms.
import type { AcrChoice, AuthenticationMeans } from './types.js';

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAt?: number;
}

function defaultPath(url: URL): string {
  const { pathname } = url;
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** Minimal host-only cookie jar (enough for oidc-provider's cookies; ignores Domain/Secure). */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();

  store(response: Response, url: URL): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: StoredCookie = {
        name: pair.slice(0, eq).trim(),
        value: pair.slice(eq + 1).trim(),
        host: url.host,
        path: defaultPath(url),
      };
      for (const attribute of attributes) {
        const [rawKey = '', ...rest] = attribute.split('=');
        const key = rawKey.trim().toLowerCase();
        const value = rest.join('=').trim();
        if (key === 'path' && value.startsWith('/')) cookie.path = value;
        else if (key === 'max-age') cookie.expiresAt = Date.now() + Number(value) * 1000;
        else if (key === 'expires' && cookie.expiresAt === undefined) cookie.expiresAt = Date.parse(value);
      }
      const key = `${cookie.host}|${cookie.path}|${cookie.name}`;
      if (cookie.expiresAt !== undefined && !(cookie.expiresAt > Date.now())) this.#cookies.delete(key);
      else this.#cookies.set(key, cookie);
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    const matching = [...this.#cookies.values()]
      .filter((c) => c.host === url.host && pathMatches(url.pathname, c.path))
      .filter((c) => c.expiresAt === undefined || c.expiresAt > now)
      .sort((a, b) => b.path.length - a.path.length); // RFC 6265: longer paths first
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

function decodeEntities(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attributes(tag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const match of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    result[(match[1] ?? '').toLowerCase()] = decodeEntities(match[3] ?? match[4] ?? '');
  }
  return result;
}

interface HtmlForm {
  action: URL;
  fields: Set<string>;
  hidden: URLSearchParams;
}

function parseForm(html: string, base: URL): HtmlForm | undefined {
  const formTag = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!formTag) return undefined;
  const attrs = attributes(formTag);
  if ((attrs.method ?? 'get').toLowerCase() !== 'post') return undefined;
  const fields = new Set<string>();
  const hidden = new URLSearchParams();
  for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
    const a = attributes(input);
    if (!a.name) continue;
    fields.add(a.name);
    if ((a.type ?? '').toLowerCase() === 'hidden') hidden.append(a.name, a.value ?? '');
  }
  return { action: new URL(attrs.action ?? base.href, base), fields, hidden };
}

function pageText(html: string): string {
  const alert = /<div[^>]*role="alert"[^>]*>([\s\S]*?)<\/div>/i.exec(html)?.[1];
  const text = alert ?? html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ');
  return decodeEntities(text.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim().slice(0, 500);
}

interface PendingRequest {
  url: URL;
  body?: URLSearchParams;
}

type FormHandler = (form: HtmlForm) => URLSearchParams;

/**
 * Follows redirects and auto-submits forms on the origin of `startUrl`; returns the first
 * redirect target outside it. With `endOnPage`, a final HTML page without a form on the
 * origin ends the walk and its URL is returned instead of throwing.
 */
async function browse(
  startUrl: string,
  jar: CookieJar,
  fillForm: FormHandler,
  endOnPage: boolean,
): Promise<string> {
  const origin = new URL(startUrl).origin;
  let request: PendingRequest = { url: new URL(startUrl) };
  for (let step = 0; step < 20; step += 1) {
    const headers: Record<string, string> = {};
    const cookie = jar.header(request.url);
    if (cookie) headers.cookie = cookie;
    if (request.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(request.url, {
      method: request.body ? 'POST' : 'GET',
      headers,
      body: request.body?.toString(),
      redirect: 'manual',
    });
    jar.store(response, request.url);

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      const next = new URL(location, request.url);
      if (next.origin !== origin) return next.href;
      request = { url: next };
      continue;
    }

    const html = await response.text();
    const form = response.ok ? parseForm(html, request.url) : undefined;
    if (form) {
      if (form.action.origin !== origin) {
        throw new Error(`psc-sandbox: formulaire à soumettre hors du bac à sable (${form.action.href}), non géré`);
      }
      request = { url: form.action, body: fillForm(form) };
      continue;
    }
    if (response.ok && endOnPage) return request.url.href;
    throw new Error(`psc-sandbox: réponse inattendue ${response.status} pour ${request.url.href} : ${pageText(html)}`);
  }
  throw new Error('psc-sandbox: trop de redirections');
}

export interface LoginChoice {
  idNatPs: string;
  means?: AuthenticationMeans;
  acr?: AcrChoice;
}

/**
 * Drives a login from the RP's authorization URL through the sandbox's pages, as a browser
 * would, and returns the redirect to the RP's redirect_uri (with code & state, or error).
 * Pass the same `jar` to driveLogout to end the session created here.
 */
export async function driveLogin(
  authorizationUrl: string,
  choice: LoginChoice,
  jar: CookieJar = new CookieJar(),
): Promise<string> {
  let loginSubmitted = false;
  return browse(
    authorizationUrl,
    jar,
    (form) => {
      if (!form.fields.has('idNatPs')) return form.hidden;
      if (loginSubmitted) throw new Error('psc-sandbox: la page de connexion est réapparue après la soumission');
      loginSubmitted = true;
      return new URLSearchParams({
        idNatPs: choice.idNatPs,
        means: choice.means ?? 'CARTE_CPS',
        acr: choice.acr ?? 'eidas1',
      });
    },
    false,
  );
}

/**
 * Follows the end_session flow (auto-submitting the confirmation form) and returns the final
 * redirect outside the sandbox (the post_logout_redirect_uri), or the sandbox's own
 * "déconnecté" page URL when no post_logout_redirect_uri was given.
 */
export async function driveLogout(endSessionUrl: string, jar: CookieJar = new CookieJar()): Promise<string> {
  return browse(endSessionUrl, jar, (form) => form.hidden, true);
}
