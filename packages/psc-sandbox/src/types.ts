export interface SandboxClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /** When set, userinfo is returned as a signed JWT (application/jwt). */
  userinfo_signed_response_alg?: 'RS256' | 'ES256';
}

export interface SandboxActivity {
  raisonSocialeSite: string;
  identifiantTechniqueDeLaStructure: string;
  numeroFinessSite?: string;
  numeroSiretSite?: string;
  codeModeExercice?: string;
  codeSecteurDactivite?: string;
  libelleCommuneCoordStructure?: string;
  /** Address of the site, as the RPPS directory has it (PSC sends every field, '' when unknown). */
  codePostalCoordStructure?: string;
  /** INSEE code of the commune ('33063' Bordeaux). */
  codeCommuneCoordStructure?: string;
  /** The address declared to the professional's order for this practice. */
  adresseEMailCoordStructure?: string;
}

export interface SandboxExercice {
  /** TRE_G15 code: '10' médecin, '21' pharmacien, '50' sage-femme, '60' infirmier, '70' masseur-kinésithérapeute, '86' technicien de laboratoire médical. */
  codeProfession: string;
  /** 'C' civil. */
  codeCategorieProfessionnelle: string;
  codeSavoirFaire?: string;
  codeTypeSavoirFaire?: string;
  activities: SandboxActivity[];
}

export interface SandboxProfessional {
  /** SubjectNameID: '8' + 11-digit RPPS, or '0' + 9-digit ADELI. */
  idNatPs: string;
  givenName: string;
  familyName: string;
  /** Short French description shown on the login page, e.g. "Médecin généraliste". */
  label: string;
  exercices: SandboxExercice[];
}

export interface SandboxLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface StartOptions {
  /** 0 = random free port; default 0. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default '/auth/realms/esante-wallet'; issuer = http://host:port + issuerPath. */
  issuerPath?: string;
  clients: SandboxClient[];
  /** Default: the shipped list. Looked up at each login, so a caller may add to it. */
  professionals?: SandboxProfessional[];
  /** Serve PSC's /.well-known/wallet-openid-configuration too (default true); false mimics a plain OIDC provider. */
  walletDiscovery?: boolean;
  logger?: SandboxLogger;
}

export interface RunningSandbox {
  issuer: string;
  port: number;
  close(): Promise<void>;
  /**
   * Closes it if needed and starts it again on the same port, so the same issuer: PSC back
   * after an outage (with fresh signing keys and no sessions, as after a real restart).
   */
  restart(): Promise<RunningSandbox>;
}

/** Means of authentication, as reported by PSC in `Mode_Acces_Raccordement`. */
export type AuthenticationMeans = 'CARTE_CPS' | 'MOBILE';

/** Test-only choice of the authentication level: 'aucun' finishes the login without eidas1. */
export type AcrChoice = 'eidas1' | 'aucun';
