import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorPage } from './html.js';
import { createInteractionHandler } from './interactions.js';
import { professionals as shippedProfessionals } from './professionals.js';
import { DISCOVERY_PATH, WALLET_DISCOVERY_PATH, createProvider } from './provider.js';
import type { RunningSandbox, StartOptions } from './types.js';

export const DEFAULT_ISSUER_PATH = '/auth/realms/esante-wallet';

function normalizeIssuerPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
  res.end(errorPage('Page introuvable', 'Cette adresse n’existe pas sur le bac à sable Pro Santé Connect.'));
}

export async function startPscSandbox(opts: StartOptions): Promise<RunningSandbox> {
  const host = opts.host ?? '127.0.0.1';
  const issuerPath = normalizeIssuerPath(opts.issuerPath ?? DEFAULT_ISSUER_PATH);
  const professionals = opts.professionals ?? shippedProfessionals;
  const ids = new Set(professionals.map((p) => p.idNatPs));
  if (ids.size !== professionals.length) throw new Error('psc-sandbox: duplicate idNatPs in professionals');

  // The issuer needs the real port, so listen first and install the handler afterwards.
  let handler: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else {
      res.writeHead(503);
      res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  try {
    const { port } = server.address() as AddressInfo;
    const issuer = `http://${urlHost(host)}:${port}${issuerPath}`;
    const { provider, SessionNotFound } = await createProvider({
      issuer,
      issuerPath,
      clients: opts.clients,
      professionals,
      logger: opts.logger,
    });
    const oidcCallback = provider.callback();
    const handleInteraction = createInteractionHandler({
      provider,
      SessionNotFound,
      issuerPath,
      professionals,
      logger: opts.logger,
    });

    handler = (req: IncomingMessage, res: ServerResponse) => {
      const rawUrl = req.url ?? '/';
      const queryIndex = rawUrl.indexOf('?');
      const pathname = queryIndex === -1 ? rawUrl : rawUrl.slice(0, queryIndex);
      const search = queryIndex === -1 ? '' : rawUrl.slice(queryIndex);
      if (pathname !== issuerPath && !pathname.startsWith(`${issuerPath}/`)) {
        notFound(res);
        return;
      }
      let innerPath = pathname.slice(issuerPath.length) || '/';
      // PSC also publishes its discovery document under this non-standard name.
      if (innerPath === WALLET_DISCOVERY_PATH && opts.walletDiscovery !== false) innerPath = DISCOVERY_PATH;

      const interaction = /^\/interaction\/([^/]+)(\/login)?$/.exec(innerPath);
      if (interaction) {
        void handleInteraction(req, res, interaction[1] ?? '', interaction[2] ? 'login' : 'show');
        return;
      }

      // Mounted under issuerPath: oidc-provider sees the path without the prefix and
      // rebuilds endpoint URLs from req.baseUrl (as when mounted in express).
      req.url = innerPath + search;
      (req as IncomingMessage & { baseUrl?: string }).baseUrl = issuerPath;
      // Koa's handler answers its errors itself (ctx.onerror); its promise only says when it is done.
      void oidcCallback(req, res);
    };

    opts.logger?.info(`psc-sandbox: émetteur ${issuer}`);

    let closing: Promise<void> | undefined;
    // Idempotent; drops keep-alive connections so tests do not wait for idle sockets.
    const close = () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }));
    return {
      issuer,
      port,
      close,
      restart: async () => {
        await close();
        return startPscSandbox({ ...opts, host, port });
      },
    };
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }
}
