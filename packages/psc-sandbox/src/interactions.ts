import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Interaction, Provider } from 'oidc-provider';
import { AMR_BY_MEANS } from './claims.js';
import { SESSION_EXPIRED_MESSAGE } from './errors.js';
import { errorPage, loginPage } from './html.js';
import { findProfessional } from './professionals.js';
import { OIDC_SCOPES } from './provider.js';
import type { AcrChoice, AuthenticationMeans, SandboxLogger, SandboxProfessional } from './types.js';

const MAX_FORM_BYTES = 64 * 1024;
const MEANS: readonly AuthenticationMeans[] = ['CARTE_CPS', 'MOBILE'];
const ACR_CHOICES: readonly AcrChoice[] = ['eidas1', 'aucun'];

export interface InteractionDeps {
  provider: Provider;
  SessionNotFound: new (description: string) => Error;
  issuerPath: string;
  professionals: SandboxProfessional[];
  logger?: SandboxLogger;
}

export type InteractionStep = 'show' | 'login';

function send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(html);
}

class FormTooLarge extends Error {}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** Handles the sandbox's own interaction pages: the French login form and automatic consent. */
export function createInteractionHandler(deps: InteractionDeps) {
  const { provider, SessionNotFound, issuerPath, professionals, logger } = deps;

  async function autoConsent(req: IncomingMessage, res: ServerResponse, details: Interaction): Promise<void> {
    const accountId = details.session?.accountId;
    if (!accountId) throw new SessionNotFound('no account in the interaction session');
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    // What the prompt reports missing (oidc-provider documents these three lists).
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: existing ? {} : { grantId } }, {
      mergeWithLastSubmission: true,
    });
  }

  async function login(req: IncomingMessage, res: ServerResponse, details: Interaction): Promise<void> {
    const form = await readForm(req);
    const idNatPs = form.get('idNatPs')?.trim() ?? '';
    const means = form.get('means') || 'CARTE_CPS';
    const acr = form.get('acr') || 'eidas1';
    const selected = { idNatPs, means, acr };

    const professional = findProfessional(professionals, idNatPs);
    let error: string | undefined;
    if (!idNatPs) error = 'Veuillez choisir un professionnel de santé.';
    else if (!professional) error = `Identifiant national inconnu : « ${idNatPs} ». Choisissez un professionnel de la liste.`;
    else if (!MEANS.includes(means as AuthenticationMeans)) error = `Moyen d'authentification inconnu : « ${means} ».`;
    else if (!ACR_CHOICES.includes(acr as AcrChoice)) error = `Niveau d'authentification inconnu : « ${acr} ».`;
    if (error || !professional) {
      send(res, 400, renderLogin(details, error, selected));
      return;
    }

    // Consent is implicit: grant the requested PSC scopes now so no consent prompt follows.
    const grant = new provider.Grant({ accountId: professional.idNatPs, clientId: String(details.params.client_id) });
    const scopes = (typeof details.params.scope === 'string' ? details.params.scope : '').split(' ').filter((s) => OIDC_SCOPES.includes(s));
    grant.addOIDCScope(scopes.join(' '));
    const grantId = await grant.save();

    await provider.interactionFinished(
      req,
      res,
      {
        login: {
          accountId: professional.idNatPs,
          // 'aucun' (tests): no acr at all, so the ID token cannot claim eidas1.
          ...(acr === 'eidas1' ? { acr: 'eidas1' } : {}),
          amr: AMR_BY_MEANS[means as AuthenticationMeans],
        },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
  }

  function renderLogin(
    details: Interaction,
    error?: string,
    selected?: { idNatPs?: string; means?: string; acr?: string },
  ): string {
    return loginPage({
      action: `${issuerPath}/interaction/${encodeURIComponent(details.uid)}/login`,
      clientName: String(details.params.client_id),
      professionals,
      error,
      selected,
    });
  }

  return async function handleInteraction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    step: InteractionStep,
  ): Promise<void> {
    try {
      const expectedMethod = step === 'show' ? ['GET', 'HEAD'] : ['POST'];
      if (!expectedMethod.includes(req.method ?? '')) {
        send(res, 405, errorPage('Méthode non autorisée', 'Cette adresse n’accepte pas cette méthode HTTP.'), {
          allow: expectedMethod.join(', '),
        });
        return;
      }
      const details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) throw new SessionNotFound('interaction uid mismatch');

      switch (details.prompt.name) {
        case 'consent':
          await autoConsent(req, res, details);
          return;
        case 'login':
          if (step === 'show') send(res, 200, renderLogin(details));
          else await login(req, res, details);
          return;
        default:
          send(res, 400, errorPage('Étape non prise en charge', `Étape d'interaction inattendue : ${details.prompt.name}.`));
      }
    } catch (err) {
      if (res.headersSent) {
        res.destroy();
      } else if (err instanceof SessionNotFound) {
        send(res, 400, errorPage('Session expirée — Pro Santé Connect (bac à sable)', SESSION_EXPIRED_MESSAGE));
      } else if (err instanceof FormTooLarge) {
        send(res, 413, errorPage('Requête trop volumineuse', 'Le formulaire envoyé est trop volumineux.'));
      } else {
        logger?.warn(`psc-sandbox: erreur pendant l'interaction : ${err instanceof Error ? err.message : String(err)}`);
        send(res, 500, errorPage('Erreur — Pro Santé Connect (bac à sable)', 'Une erreur interne est survenue dans le bac à sable.'));
      }
    }
  };
}
