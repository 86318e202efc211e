import type { ErrorOut } from 'oidc-provider';
import { errorPage } from './html.js';

const FRENCH_MESSAGES: Record<string, string> = {
  invalid_request: 'La requête envoyée par l’application est invalide.',
  invalid_client: 'L’application cliente est inconnue ou mal authentifiée.',
  invalid_redirect_uri: 'L’adresse de retour (redirect_uri) n’est pas enregistrée pour cette application.',
  invalid_scope: 'Le périmètre (scope) demandé n’est pas pris en charge.',
  unauthorized_client: 'Cette application n’est pas autorisée à effectuer cette demande.',
  unsupported_response_type: 'Le type de réponse demandé n’est pas pris en charge.',
  access_denied: 'L’accès a été refusé.',
  login_required: 'Une authentification est nécessaire.',
  consent_required: 'Un consentement est nécessaire.',
  interaction_required: 'Une interaction de l’utilisateur est nécessaire.',
  server_error: 'Une erreur interne est survenue dans le bac à sable.',
};

/** French error page body for an oidc-provider error (code + description, no stack trace). */
export function renderErrorHtml(out: ErrorOut): string {
  const message = FRENCH_MESSAGES[out.error] ?? 'La demande n’a pas pu aboutir.';
  const details = `Code : ${out.error}${out.error_description ? ` — ${out.error_description}` : ''}`;
  return errorPage('Erreur — Pro Santé Connect (bac à sable)', message, details);
}

export const SESSION_EXPIRED_MESSAGE =
  'La session de connexion est introuvable ou a expiré. Recommencez la connexion depuis l’application.';
