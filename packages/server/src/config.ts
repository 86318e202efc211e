import { resolve } from 'node:path';
import { NTP_UNIX_OFFSET_SECONDS } from '@prostopcovid/contracts/robert';
import { SANDBOX_OPERATORS } from '@prostopcovid/psc-sandbox/professionals';
import { findRegion } from './platform/territories.js';
import { DEFAULT_SCORING, type ScoringParameters } from './modules/robert/scoring.js';

/** Every setting the server reads, typed, validated once and frozen. */
export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  /** Server processes on this machine (node:cluster); more than one needs PostgreSQL. */
  readonly workers: number;
  /** Public base URL of this server, as browsers reach it (no trailing slash). */
  readonly publicUrl: string;
  /** PostgreSQL URL; when absent the embedded PGlite database is used. */
  readonly databaseUrl: string | undefined;
  /** PGlite data folder (ignored with databaseUrl); 'memory://' keeps it in memory. */
  readonly dataDir: string;
  readonly psc: {
    /** undefined means: start the bundled sandbox and use it. */
    readonly issuer: string | undefined;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly timeoutMs: number;
    readonly sandboxPort: number;
  };
  readonly session: {
    readonly idleMinutes: number;
    readonly absoluteHours: number;
    /** Per-process cache of session rows (0: none); a sign-out reaches other processes within it. */
    readonly cacheSeconds: number;
    readonly cookies: SessionCookies;
  };
  readonly codes: {
    /** HMAC keys for declaration codes, newest first; undefined: a development key kept in keysDir. */
    readonly hmacKeys: ReadonlyArray<{ readonly id: string; readonly key: Buffer }> | undefined;
    readonly ttlMinutes: number;
    readonly issueLimitPerHour: number;
    readonly redeemLimitPerDevice: number;
    readonly redeemLimitPerAddress: number;
    readonly redeemWindowMinutes: number;
    readonly uploadTokenMinutes: number;
  };
  /**
   * The accounts with the authority operator right: national (DGS, region null) or regional (an
   * ARS: the INSEE code of its region, to which its urgent messages are confined).
   */
  readonly operators: ReadonlyArray<{ readonly idNatPs: string; readonly region: string | null }>;
  /** Urgent messages to professionals (docs/domain.md §5). */
  readonly messages: {
    /** smtp(s)://user:pass@host:port; undefined: e-mails are not sent (npm start points it at its local catcher). */
    readonly smtpUrl: string | undefined;
    /** The From of the e-mails. */
    readonly mailFrom: string;
    /** A version's e-mails are spread at this pace, and each sender process takes at most this many a second. */
    readonly emailsPerSecond: number;
    /** SMTP connections of each process's sender. */
    readonly smtpConnections: number;
    /** Whether this process sends the queued e-mails (several may: they share the queue). */
    readonly mailer: boolean;
    /** Hours after which an unacknowledged action message gets a reminder e-mail (0: only by hand). */
    readonly reminderHours: number;
    /** `npm start` without SMTP_URL: the port of the local mail catcher's page. */
    readonly catcherPort: number;
  };
  /** Largest batch a laboratory may send at once. */
  readonly labBatchMaxResults: number;
  /** Laboratories' long codes made in advance, and replayed result batches. */
  readonly labs: {
    /** Long codes a laboratory may request per Paris calendar day. */
    readonly longCodesPerDay: number;
    /** Keys sealing lab results' retrieval codes for replays (id:base64, newest first); undefined: a development key in keysDir. */
    readonly retrievalKeys: ReadonlyArray<{ readonly id: string; readonly key: Buffer }> | undefined;
    /** How long a resent batch still gets its retrieval codes back; the sealed codes are deleted after it. */
    readonly retrievalReplayDays: number;
  };
  /** Seconds between two rebuilds of the statistics' rollup (0: never, in this process). */
  readonly statsRefreshSeconds: number;
  /** How long one query of an audit search may run before it is stopped (400 AUDIT_SEARCH_TOO_BROAD). */
  readonly auditSearchTimeoutMs: number;
  readonly certificates: {
    /** Document signer key and certificate (PEM files); undefined: a development signer in keysDir. */
    readonly signerKeyFile: string | undefined;
    readonly signerCertFile: string | undefined;
    readonly testValidityHours: number;
    /** Recovery: certificate valid from this many days after the positive test, for this many days after it. */
    readonly recoveryFromDays: number;
    readonly recoveryUntilDays: number;
    readonly vaccinationValidityDays: number;
    readonly retrievalLimitPerAddress: number;
  };
  /** Pass verification (docs/domain.md, Verifying a pass). */
  readonly verifier: {
    /** EU DCC Gateway trust list to import: a file path or an https URL; undefined: this service's own signers only. */
    readonly trustListSource: string | undefined;
    /** How often the trust list is read again. */
    readonly trustListRefreshMinutes: number;
    /** Where the last good download of a trust-list URL is kept, so a restart during a gateway outage still trusts it. */
    readonly trustListCacheFile: string;
    /** EU-format rules replacing the shipped ones for the countries the file holds; undefined: the shipped French rules. */
    readonly rulesFile: string | undefined;
    /** Default country of verification. */
    readonly country: string;
    /** Lists older than this on a verifier page never give a "valid" verdict. */
    readonly listsMaxAgeHours: number;
    /** Earlier document signer certificates of this service (PEM), still trusted and published. */
    readonly previousSignerCertFiles: readonly string[];
  };
  /** Continuity through outages (docs/domain.md, Continuity). */
  readonly continuity: {
    /** Consecutive failed PSC calls that open an automatic `psc` incident. */
    readonly pscFailureThreshold: number;
    /** While the breaker is open, how often PSC is probed (discovery) to close the incident on recovery. */
    readonly pscProbeSeconds: number;
    /** While it is closed, how often PSC discovery is checked (0: only real sign-ins count). */
    readonly pscWatchSeconds: number;
    /** Idle timeout of open sessions while a `psc` incident is open (instead of session.idleMinutes). */
    readonly incidentIdleHours: number;
    /** The second sign-in channel (local account + TOTP): 'incident' (only while a psc incident is open), 'always' or 'never'. */
    readonly fallbackSignIn: 'incident' | 'always' | 'never';
    /** Default validity of provisional test attestations when an incident does not set one. */
    readonly provisionalTestHours: number;
  };
  /** Overload (docs/domain.md, Continuity: overload): when requests are shed with 503, and per-caller limits. */
  readonly admission: {
    /** Admitted requests in flight per process (0: no limit). */
    readonly maxInFlight: number;
    /** Longest a critical request may queue for a database connection or before its handler (ms; 0: not checked). */
    readonly maxQueueMs: number;
    /** Sustained median event-loop delay (ms) past which normal requests are shed (anonymous ones at half of it, critical ones never; 0: off). */
    readonly maxEventLoopDelayMs: number;
    /** Retry-After of a shed request: a random value in [n, 2n] seconds. */
    readonly retryAfterSeconds: number;
    /** Requests per minute of each professional on the routes that need a session, across processes. */
    readonly proRequestsPerMinute: number;
    /** Requests per minute of each laboratory API key, across processes. */
    readonly labKeyRequestsPerMinute: number;
  };
  /** Exposure notification (docs/domain.md, Exposure notification). */
  readonly robert: {
    /** NTP seconds of epoch 0. */
    readonly timeStart: number;
    /** The server's P-256 ECDH key (PKCS#8 PEM); undefined: a development key in keysDir. */
    readonly ecdhKeyFile: string | undefined;
    /** Encrypts the daily EBID keys and the registrations' shared keys at rest (32 bytes); undefined: development key. */
    readonly keyEncryptionKey: Buffer | undefined;
    /** K_G, the federation key of the ECC (16 bytes); undefined: development key. */
    readonly federationKey: Buffer | undefined;
    /** Registrations per address and hour. */
    readonly registerLimitPerAddress: number;
    /** Whether register needs a solved proof of work, and its difficulty in bits. */
    readonly captcha: boolean;
    readonly captchaDifficulty: number;
    /** Registrations without a status request for this long are deleted. */
    readonly inactivityDays: number;
    /** Report workers in this process (0: run `npm run worker:robert` beside it). */
    readonly workers: number;
    readonly scoring: ScoringParameters;
  };
  /** Where development keys are generated and kept. */
  readonly keysDir: string;
  /** Fastify trustProxy: false, true, or a list of proxy addresses/CIDRs whose X-Forwarded-For is believed. */
  readonly trustProxy: boolean | string[];
  readonly logLevel: string;
  /** Folder of the built web client served at '/', if it exists. */
  readonly webDir: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

function url(env: Env, name: string, fallback?: string): string | undefined {
  const raw = env[name] || fallback;
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL (got "${raw}")`);
  }
  return parsed.href.replace(/\/$/, '');
}

const DEV_CLIENT_SECRET = 'dev-secret-change-me';

/** `id:base64key,id:base64key`, newest first: codes hashed with an older key stay redeemable until they expire. */
function hmacKeys(env: Env, name: string): Array<{ id: string; key: Buffer }> | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const keys = raw.split(',').map((entry) => {
    const [id, secret, extra] = entry.trim().split(':');
    const key = Buffer.from(secret ?? '', 'base64');
    if (!id || !/^[A-Za-z0-9_.-]{1,32}$/.test(id) || extra !== undefined || key.length < 32) {
      throw new ConfigError(`${name} must be a comma-separated list of id:base64key with keys of at least 32 bytes`);
    }
    return { id, key };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new ConfigError(`${name} has duplicate key ids`);
  return keys;
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new ConfigError(`${name} must be a number between ${min} and ${max} (got "${raw}")`);
  return value;
}

function onOff(env: Env, name: string, fallback = false): boolean {
  const raw = env[name];
  if (!raw) return fallback;
  if (raw === 'off') return false;
  if (raw === 'on') return true;
  throw new ConfigError(`${name} must be on or off (got "${raw}")`);
}

function base64Key(env: Env, name: string, bytes: number): Buffer | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== bytes) throw new ConfigError(`${name} must be the Base64 of exactly ${bytes} random bytes`);
  return key;
}

function ntpInstant(env: Env, name: string, fallback: string): number {
  const raw = env[name] || fallback;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ConfigError(`${name} must be a UTC instant such as 2020-06-02T00:00:00Z (got "${raw}")`);
  return ms / 1000 + NTP_UNIX_OFFSET_SECONDS;
}

function scoring(env: Env): ScoringParameters {
  const deltas = env.ROBERT_SCORING_DELTAS ? env.ROBERT_SCORING_DELTAS.split(',').map(Number) : DEFAULT_SCORING.deltas;
  if (deltas.length === 0 || deltas.some((d) => !Number.isFinite(d) || d <= 0)) throw new ConfigError('ROBERT_SCORING_DELTAS must be a comma-separated list of positive numbers');
  return {
    ...DEFAULT_SCORING,
    deltas,
    p0: decimal(env, 'ROBERT_SCORING_P0', DEFAULT_SCORING.p0, -127, 0),
    rssiMax: decimal(env, 'ROBERT_SCORING_RSSI_MAX', DEFAULT_SCORING.rssiMax, -127, 0),
    softMaxA: decimal(env, 'ROBERT_SCORING_SOFT_MAX_A', DEFAULT_SCORING.softMaxA, 0.01, 100),
    softMaxB: decimal(env, 'ROBERT_SCORING_SOFT_MAX_B', DEFAULT_SCORING.softMaxB, 0.01, 100),
    r0: decimal(env, 'ROBERT_SCORING_R0', DEFAULT_SCORING.r0, 0.000001, 1),
    riskThreshold: decimal(env, 'ROBERT_RISK_THRESHOLD', DEFAULT_SCORING.riskThreshold, 0.000001, 0.999999),
  };
}

/** `id` (national) or `id:region` (regional, the INSEE region code), comma-separated. */
function operators(raw: string | undefined): Config['operators'] {
  const list = (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  return list.map((entry) => {
    const [idNatPs = '', region, ...rest] = entry.split(':');
    if (!/^(8\d{11}|0\d{9})$/.test(idNatPs) || rest.length > 0 || (region !== undefined && !findRegion(region))) {
      throw new ConfigError('OPERATOR_ID_NAT_PS must be a comma-separated list of IdNat_PS, each optionally followed by :<INSEE region code> for a regional operator (e.g. 899700100013:75)');
    }
    return { idNatPs, region: region ?? null };
  });
}

function smtpUrl(env: Env): string | undefined {
  const raw = env.SMTP_URL;
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError('SMTP_URL must be a URL such as smtp://user:password@relay.example:587 or smtps://…:465');
  }
  if (!['smtp:', 'smtps:'].includes(parsed.protocol)) throw new ConfigError('SMTP_URL must start with smtp:// or smtps://');
  return raw;
}

function trustProxy(raw: string | undefined): boolean | string[] {
  if (!raw || raw === 'false') return false;
  if (raw === 'true') return true;
  const list = raw.split(',').map((part) => part.trim());
  if (list.some((part) => !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(part))) {
    throw new ConfigError('TRUST_PROXY must be true, false, or a comma-separated list of addresses/CIDRs');
  }
  return list;
}

function trustListSource(raw: string | undefined, production: boolean): string | undefined {
  if (!raw) return undefined;
  if (/^[a-z]+:\/\//i.test(raw)) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(`DCC_TRUST_LIST must be a file path or an http(s) URL (got "${raw}")`);
    }
    if (parsed.protocol !== 'https:' && (production || parsed.protocol !== 'http:')) {
      throw new ConfigError('DCC_TRUST_LIST must be an https URL (http is allowed outside production only)');
    }
    return parsed.href;
  }
  return resolve(raw);
}

function countryCode(raw: string | undefined): string {
  if (!raw) return 'FR';
  if (!/^[A-Z]{2}$/.test(raw)) throw new ConfigError('VERIFIER_COUNTRY must be an ISO 3166-1 alpha-2 code, e.g. FR');
  return raw;
}

function fallbackSignIn(raw: string | undefined): 'incident' | 'always' | 'never' {
  if (!raw) return 'incident';
  if (raw === 'incident' || raw === 'always' || raw === 'never') return raw;
  throw new ConfigError('FALLBACK_SIGN_IN must be incident, always or never');
}

/** Names and flags of the sign-in cookies. */
export interface SessionCookies {
  readonly session: string;
  readonly login: string;
  readonly secure: boolean;
  /** Strict-Transport-Security on every answer. */
  readonly hsts: boolean;
}

/**
 * On HTTPS the cookies carry the `__Host-` prefix: the browser then accepts them only with
 * Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or overwrite a session.
 * HSTS everywhere but development (`npm start` on http://localhost).
 */
function sessionCookies(publicUrl: string, nodeEnv: string): SessionCookies {
  const https = publicUrl.startsWith('https://');
  const prefix = https ? '__Host-' : '';
  return { session: `${prefix}pscv_session`, login: `${prefix}pscv_login`, secure: https || nodeEnv !== 'development', hsts: nodeEnv !== 'development' };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test') {
    throw new ConfigError(`NODE_ENV must be development, production or test (got "${nodeEnv}")`);
  }
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const publicUrl = url(env, 'PUBLIC_URL', `http://localhost:${port}`)!;
  const issuer = url(env, 'PSC_ISSUER');
  const clientSecret = env.PSC_CLIENT_SECRET || DEV_CLIENT_SECRET;
  if (nodeEnv === 'production') {
    // The embedded defaults are for trying the system, never for real patients.
    if (!issuer) throw new ConfigError('PSC_ISSUER is required in production (the bundled sandbox is for development)');
    if (clientSecret === DEV_CLIENT_SECRET) throw new ConfigError('PSC_CLIENT_SECRET is required in production');
    if (!env.DATABASE_URL) throw new ConfigError('DATABASE_URL is required in production (PGlite is for development)');
    if (!env.CODE_HMAC_KEYS) throw new ConfigError('CODE_HMAC_KEYS is required in production');
    if (!env.LAB_RETRIEVAL_KEYS) throw new ConfigError('LAB_RETRIEVAL_KEYS is required in production');
    if (!env.DSC_KEY_FILE || !env.DSC_CERT_FILE) throw new ConfigError('DSC_KEY_FILE and DSC_CERT_FILE (document signer) are required in production');
    if (!publicUrl.startsWith('https://')) throw new ConfigError('PUBLIC_URL must be https in production');
    if (!issuer.startsWith('https://')) throw new ConfigError('PSC_ISSUER must be https in production');
    if (!env.ROBERT_ECDH_KEY_FILE || !env.ROBERT_KEY_ENCRYPTION_KEY || !env.ROBERT_FEDERATION_KEY) {
      throw new ConfigError('ROBERT_ECDH_KEY_FILE, ROBERT_KEY_ENCRYPTION_KEY and ROBERT_FEDERATION_KEY are required in production');
    }
  }
  if (new URL(publicUrl).pathname !== '/') throw new ConfigError('PUBLIC_URL must be an origin, without a path');
  if (env.DATABASE_URL && !/^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  }
  const workers = integer(env, 'WORKERS', 1, 1, 64);
  if (workers > 1 && !env.DATABASE_URL) throw new ConfigError('WORKERS above 1 needs DATABASE_URL: the embedded PGlite database belongs to one process');
  const config: Config = {
    env: nodeEnv,
    host,
    port,
    workers,
    publicUrl,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR || resolve(import.meta.dirname, '../../../.data/pglite'),
    psc: {
      issuer,
      clientId: env.PSC_CLIENT_ID || 'prostopcovid-dev',
      clientSecret,
      timeoutMs: integer(env, 'PSC_TIMEOUT_MS', 5000, 100, 60000),
      sandboxPort: integer(env, 'PSC_SANDBOX_PORT', 4001, 0, 65535),
    },
    session: {
      idleMinutes: integer(env, 'SESSION_IDLE_MINUTES', 30, 1, 24 * 60),
      absoluteHours: integer(env, 'SESSION_ABSOLUTE_HOURS', 12, 1, 7 * 24),
      cacheSeconds: integer(env, 'SESSION_CACHE_SECONDS', 5, 0, 60),
      cookies: sessionCookies(publicUrl, nodeEnv),
    },
    codes: {
      hmacKeys: hmacKeys(env, 'CODE_HMAC_KEYS'),
      ttlMinutes: integer(env, 'CODE_TTL_MINUTES', 60, 1, 24 * 60),
      issueLimitPerHour: integer(env, 'CODE_ISSUE_LIMIT_PER_HOUR', 30, 1, 1_000_000),
      redeemLimitPerDevice: integer(env, 'REDEEM_LIMIT_PER_DEVICE', 10, 1, 1_000_000),
      redeemLimitPerAddress: integer(env, 'REDEEM_LIMIT_PER_ADDRESS', 60, 1, 1_000_000),
      redeemWindowMinutes: integer(env, 'REDEEM_LIMIT_WINDOW_MINUTES', 60, 1, 24 * 60),
      uploadTokenMinutes: integer(env, 'UPLOAD_TOKEN_MINUTES', 30, 1, 24 * 60),
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    // With the bundled sandbox, its two authority accounts unless told otherwise.
    operators: operators(env.OPERATOR_ID_NAT_PS ?? (env.PSC_ISSUER ? undefined : SANDBOX_OPERATORS)),
    messages: {
      smtpUrl: smtpUrl(env),
      mailFrom: env.MAIL_FROM || 'DGS-Urgent <dgs-urgent@prostopcovid.invalid>',
      emailsPerSecond: integer(env, 'MESSAGES_EMAILS_PER_SECOND', 50, 1, 100_000),
      smtpConnections: integer(env, 'MESSAGES_SMTP_CONNECTIONS', 4, 1, 64),
      mailer: onOff(env, 'MESSAGES_MAILER', true),
      reminderHours: integer(env, 'MESSAGES_REMINDER_HOURS', 24, 0, 24 * 30),
      catcherPort: integer(env, 'MAIL_CATCHER_PORT', 4025, 0, 65535),
    },
    labBatchMaxResults: integer(env, 'LAB_BATCH_MAX_RESULTS', 1000, 1, 10_000),
    labs: {
      longCodesPerDay: integer(env, 'LAB_LONG_CODES_PER_DAY', 300_000, 1, 10_000_000),
      retrievalKeys: hmacKeys(env, 'LAB_RETRIEVAL_KEYS'),
      retrievalReplayDays: integer(env, 'LAB_RETRIEVAL_REPLAY_DAYS', 7, 1, 90),
    },
    statsRefreshSeconds: integer(env, 'STATS_REFRESH_SECONDS', 60, 0, 86_400),
    auditSearchTimeoutMs: integer(env, 'AUDIT_SEARCH_TIMEOUT_MS', 10_000, 100, 600_000),
    certificates: {
      signerKeyFile: env.DSC_KEY_FILE || undefined,
      signerCertFile: env.DSC_CERT_FILE || undefined,
      testValidityHours: integer(env, 'TEST_CERTIFICATE_HOURS', 72, 1, 24 * 30),
      recoveryFromDays: integer(env, 'RECOVERY_FROM_DAYS', 11, 0, 60),
      recoveryUntilDays: integer(env, 'RECOVERY_UNTIL_DAYS', 180, 1, 365),
      vaccinationValidityDays: integer(env, 'VACCINATION_CERTIFICATE_DAYS', 365, 1, 3650),
      retrievalLimitPerAddress: integer(env, 'RETRIEVAL_LIMIT_PER_ADDRESS', 30, 1, 1_000_000),
    },
    verifier: {
      trustListSource: trustListSource(env.DCC_TRUST_LIST, nodeEnv === 'production'),
      trustListRefreshMinutes: integer(env, 'DCC_TRUST_LIST_REFRESH_MINUTES', 360, 1, 7 * 24 * 60),
      trustListCacheFile: resolve(env.DCC_TRUST_LIST_CACHE_FILE || resolve(import.meta.dirname, '../../../.data/dcc-trust-list.json')),
      rulesFile: env.DCC_RULES_FILE ? resolve(env.DCC_RULES_FILE) : undefined,
      country: countryCode(env.VERIFIER_COUNTRY),
      listsMaxAgeHours: integer(env, 'VERIFIER_LISTS_MAX_AGE_HOURS', 48, 1, 30 * 24),
      previousSignerCertFiles: (env.DSC_PREVIOUS_CERT_FILES ?? '').split(',').map((file) => file.trim()).filter(Boolean).map((file) => resolve(file)),
    },
    continuity: {
      pscFailureThreshold: integer(env, 'PSC_FAILURE_THRESHOLD', 5, 1, 1000),
      pscProbeSeconds: integer(env, 'PSC_PROBE_SECONDS', 15, 1, 3600),
      pscWatchSeconds: integer(env, 'PSC_WATCH_SECONDS', 15, 0, 3600),
      incidentIdleHours: integer(env, 'INCIDENT_SESSION_IDLE_HOURS', 12, 1, 72),
      fallbackSignIn: fallbackSignIn(env.FALLBACK_SIGN_IN),
      provisionalTestHours: integer(env, 'PROVISIONAL_TEST_HOURS', 12, 1, 72),
    },
    admission: {
      maxInFlight: integer(env, 'ADMISSION_MAX_IN_FLIGHT', 32, 0, 100_000),
      // PGlite is one connection: one slow statement (a PDF's data, a batch) makes others wait without any overload.
      maxQueueMs: integer(env, 'ADMISSION_MAX_QUEUE_MS', env.DATABASE_URL ? 80 : 500, 0, 60_000),
      maxEventLoopDelayMs: integer(env, 'ADMISSION_MAX_EVENT_LOOP_DELAY_MS', 50, 0, 60_000),
      retryAfterSeconds: integer(env, 'ADMISSION_RETRY_AFTER_SECONDS', 5, 1, 3600),
      proRequestsPerMinute: integer(env, 'PRO_REQUESTS_PER_MINUTE', 600, 1, 10_000_000),
      labKeyRequestsPerMinute: integer(env, 'LAB_KEY_REQUESTS_PER_MINUTE', 120, 1, 10_000_000),
    },
    robert: {
      timeStart: ntpInstant(env, 'ROBERT_TIME_START', '2020-06-02T00:00:00Z'),
      ecdhKeyFile: env.ROBERT_ECDH_KEY_FILE ? resolve(env.ROBERT_ECDH_KEY_FILE) : undefined,
      keyEncryptionKey: base64Key(env, 'ROBERT_KEY_ENCRYPTION_KEY', 32),
      federationKey: base64Key(env, 'ROBERT_FEDERATION_KEY', 16),
      registerLimitPerAddress: integer(env, 'ROBERT_REGISTER_LIMIT_PER_ADDRESS', 200, 1, 10_000_000),
      captcha: onOff(env, 'ROBERT_CAPTCHA'),
      captchaDifficulty: integer(env, 'ROBERT_CAPTCHA_DIFFICULTY', 18, 1, 30),
      inactivityDays: integer(env, 'ROBERT_INACTIVITY_DAYS', 30, 15, 3650),
      workers: integer(env, 'ROBERT_WORKERS', 1, 0, 16),
      scoring: scoring(env),
    },
    keysDir: env.KEYS_DIR || resolve(import.meta.dirname, '../../../.data/keys'),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    webDir: env.WEB_DIR || resolve(import.meta.dirname, '../../web/dist'),
  };
  if (config.certificates.recoveryFromDays >= config.certificates.recoveryUntilDays) {
    throw new ConfigError('RECOVERY_FROM_DAYS must be below RECOVERY_UNTIL_DAYS');
  }
  return deepFreeze(config);
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object' && !ArrayBuffer.isView(inner)) deepFreeze(inner);
  }
  return Object.freeze(value);
}

/** For entry points: the configuration, or a French message and exit code 1 when a setting is wrong. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Configuration invalide : ${error.message}`);
    process.exit(1);
  }
}
