/**
 * Every page of the web client, in one list read by the router (App.tsx), the navigation, the
 * tab titles, the build (which writes the paths to `routes.json`, so the server answers 404 for
 * any other page) and the browser tests of every page. No imports: Node reads it too.
 */
export type PageAccess = 'public' | 'pro';

export interface PageRoute {
  path: string;
  /** The tab's title, before " — ProStopCovid". */
  title: string;
  /** `pro`: behind a professional session; `public`: patients, verifiers, the second sign-in channel. */
  access: PageAccess;
}

export const PAGE_ROUTES = [
  { path: '/', title: 'Accueil', access: 'pro' },
  { path: '/codes', title: 'Émettre un code', access: 'pro' },
  { path: '/tests', title: 'Enregistrer un test', access: 'pro' },
  { path: '/vaccinations', title: 'Enregistrer une vaccination', access: 'pro' },
  { path: '/envois', title: 'Envois', access: 'pro' },
  { path: '/incidents', title: 'Incidents', access: 'pro' },
  { path: '/exposition', title: "Notifications d'exposition", access: 'pro' },
  { path: '/messages', title: 'Messages urgents', access: 'pro' },
  { path: '/messages-urgents', title: 'Rédiger un message urgent', access: 'pro' },
  { path: '/messages-urgents/suivi', title: "Suivi d'un message urgent", access: 'pro' },
  { path: '/statistiques', title: 'Statistiques', access: 'pro' },
  { path: '/journal', title: "Journal d'audit", access: 'pro' },
  { path: '/cles-api', title: "Clés d'API", access: 'pro' },
  { path: '/compte', title: 'Accès de secours', access: 'pro' },
  { path: '/app', title: 'Application StopCovid', access: 'public' },
  { path: '/patient', title: 'Portail patient', access: 'public' },
  { path: '/connexion-secours', title: 'Connexion de secours', access: 'public' },
  { path: '/verifier', title: 'Vérifier un passe', access: 'public' },
  { path: '/dgs-urgent', title: 'Messages DGS-Urgent', access: 'public' },
] as const satisfies readonly PageRoute[];

export type PagePath = (typeof PAGE_ROUTES)[number]['path'];

/** What a pro page shows, and is titled, without a session. */
export const SIGN_IN_TITLE = 'Connexion';
export const NOT_FOUND_TITLE = 'Page introuvable';

export function documentTitle(title: string): string {
  return `${title} — ProStopCovid`;
}

/**
 * The page a path opens, matched as the router (wouter, regexparam) does: case-insensitive,
 * one trailing slash allowed; undefined for a path no page has (the 404 page).
 */
export function findPageRoute(pathname: string): (typeof PAGE_ROUTES)[number] | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/$/, '').toLowerCase() : pathname;
  return PAGE_ROUTES.find((route) => route.path === path);
}
