import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Gauge } from 'prom-client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { PoolPressure } from './db/pool-pressure.js';
import { attestationsRoutes } from './modules/attestations/attestations.routes.js';
import { authRoutes } from './modules/auth/auth.routes.js';
import { fallbackRoutes } from './modules/auth/fallback.routes.js';
import { incidentsRoutes } from './modules/incidents/incidents.routes.js';
import { OpenIncidents } from './modules/incidents/open-incidents.js';
import { PscClient } from './modules/auth/psc-client.js';
import { automaticPscIncident, type PscBreaker } from './modules/auth/psc-breaker.js';
import { SessionCache } from './modules/auth/session-cache.js';
import { registerSessionHooks } from './modules/auth/session.hooks.js';
import { CodeHasher } from './platform/code-hasher.js';
import { SealingKeys } from './platform/sealing-keys.js';
import { actsRoutes } from './modules/acts/acts.routes.js';
import { certificatesRoutes } from './modules/certificates/certificates.routes.js';
import { loadOrCreateDevelopmentSigner, loadSignerFromFiles } from './modules/certificates/dcc-signer.js';
import { VerifierLists } from './modules/verifier/verifier-lists.js';
import { verifierRoutes } from './modules/verifier/verifier.routes.js';
import { assessCertificate } from './modules/verifier/verifier.service.js';
import { codesRoutes } from './modules/codes/codes.routes.js';
import { declarationsRoutes } from './modules/declarations/declarations.routes.js';
import { labsRoutes } from './modules/labs/labs.routes.js';
import { purgeReplayMaterial } from './modules/labs/labs.service.js';
import { ReportWorkers } from './modules/robert/report-worker.js';
import { DailyKeys, loadRobertSecrets } from './modules/robert/robert-keys.js';
import { RobertTime } from './modules/robert/robert-time.js';
import { registerRobertMetrics } from './modules/robert/robert-metrics.js';
import { robertRoutes } from './modules/robert/robert.routes.js';
import { purgeExpired } from './modules/robert/robert.service.js';
import { ActiveMessages } from './modules/messages/active-messages.js';
import { MessageMailer } from './modules/messages/message-mailer.js';
import { messagesRoutes } from './modules/messages/messages.routes.js';
import { statisticsRoutes } from './modules/statistics/statistics.routes.js';
import { operatorKeysRoutes } from './modules/operator-keys/operator-keys.routes.js';
import { useFrenchSchemaMessages } from './platform/validation-messages.js';
import { clientErrorHandler } from './platform/client-errors.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { refreshStatistics } from './modules/statistics/statistics.service.js';
import { healthRoutes } from './modules/health/health.routes.js';
import { referenceRoutes } from './modules/reference/reference.routes.js';
import { HOUR, MINUTE, SECOND, systemClock, type Clock } from './platform/clock.js';
import { AppError } from './platform/errors.js';
import { AdmissionControl } from './platform/admission.js';
import { ChangeFeed } from './platform/change-feed.js';
import { ClientLimiter } from './platform/client-limits.js';
import { sweepOldCounters } from './platform/rate-limit.js';
import { registerErrorHandling, send } from './platform/error-handler.js';
import { loadDevelopmentHmacKey } from './platform/keys.js';
import { loggerOptions, serializeError } from './platform/logger.js';
import { addDateFormats } from './platform/formats.js';
import { createMetrics, type Metrics } from './platform/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    databaseKind: 'pglite' | 'postgres';
    clock: Clock;
    metrics: Metrics;
    pscBreaker: PscBreaker;
    verifierLists: VerifierLists;
  }
}

export interface AppOptions {
  config: Config;
  /** Opened from the config when absent; then closed with the app. */
  database?: DatabaseHandle;
  clock?: Clock;
  /** Where log lines go (standard output when absent); tests read them. */
  logStream?: DestinationStream;
}

/** Builds the whole HTTP application without listening: main.ts listens, tests inject. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config } = options;
  if (!config.psc.issuer) throw new Error('config.psc.issuer must be resolved (start the sandbox first)');
  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  // The logout form posts here and is then redirected to PSC. 'wasm-unsafe-eval' lets the verifier
  // page compile its QR decoder (WebAssembly served from here); JavaScript eval stays forbidden.
  const contentSecurityPolicy = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' ${new URL(config.psc.issuer).origin}`;
  // On every answer, including those to URLs Fastify cannot parse (which skip the hooks).
  const securityHeaders = (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    if (config.session.cookies.hsts) reply.header('strict-transport-security', 'max-age=63072000; includeSubDomains');
    if (/^\/(api|auth)\//.test(request.url)) {
      // Identity, CSRF tokens and health data: never kept by a browser or proxy cache.
      reply.header('cache-control', 'no-store');
    } else if (!request.url.startsWith('/docs')) {
      reply.header('content-security-policy', contentSecurityPolicy);
    }
  };
  const admission = new AdmissionControl(config.admission, database.pressure, config.session.cookies.session);
  const logger: { log?: FastifyBaseLogger } = {};
  useFrenchSchemaMessages();
  const app = Fastify({
    serverFactory: admission.serverFactory,
    logger: { ...loggerOptions(config.logLevel), ...(options.logStream ? { stream: options.logStream } : {}) },
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // A client that announces a body and never sends it does not hold a socket for ever.
    requestTimeout: 30_000,
    requestIdHeader: false,
    genReqId: () => crypto.randomUUID(),
    // Strict input: unknown properties and wrong types are refused, not silently fixed.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false }, onCreate: addDateFormats },
    // What the HTTP parser refuses, and malformed URLs and the like, go through the catalogue too.
    clientErrorHandler: clientErrorHandler(() => logger.log!),
    frameworkErrors: (error, request, reply) => {
      securityHeaders(request, reply);
      // Fastify takes nothing back from this hook: the reply (a thenable) is sent, not awaited.
      void send(request, reply, new AppError('REQUEST_INVALID', { cause: error }));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  logger.log = app.log;
  app.decorate('db', database.db);
  app.decorate('databaseKind', database.kind);
  app.decorate('clock', options.clock ?? systemClock);
  app.decorate('metrics', createMetrics());
  if (!options.database) app.addHook('onClose', () => database.close());

  await migrateToLatest(database);

  registerErrorHandling(app);
  app.addHook('onRequest', async (request, reply) => {
    securityHeaders(request, reply);
    // Bodies are read as UTF-8: one announced in another charset would be misread, not refused.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw new AppError('REQUEST_UNSUPPORTED_MEDIA');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    app.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    app.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  admission.register(app);
  database.pressure.onWait = (seconds) => app.metrics.poolWait.observe(seconds);
  registerLoadGauges(app, database.pressure);
  app.decorate('clientLimiter', new ClientLimiter(database.db));
  registerCounterSweep(app);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await registerApiDocs(app, config.publicUrl);

  const changes = await ChangeFeed.open({ schema: database.schema, url: database.url, pglite: database.pglite, log: app.log });
  app.addHook('onClose', () => changes.close());
  const incidents = new OpenIncidents(database.db, app.clock);
  incidents.attach(changes);
  const pscIncident = automaticPscIncident({ db: database.db, incidents, clock: app.clock, testAttestationHours: config.continuity.provisionalTestHours });
  const psc = new PscClient({
    issuer: config.psc.issuer,
    clientId: config.psc.clientId,
    clientSecret: config.psc.clientSecret,
    timeoutMs: config.psc.timeoutMs,
    redirectUri: `${config.publicUrl}/auth/callback`,
    now: () => app.clock.now().getTime(),
    breaker: {
      failureThreshold: config.continuity.pscFailureThreshold,
      probeSeconds: config.continuity.pscProbeSeconds,
      watchSeconds: config.continuity.pscWatchSeconds,
      log: app.log,
      gauge: app.metrics.pscCircuitOpen,
      ...pscIncident,
    },
  });
  app.decorate('pscBreaker', psc.breaker);
  // One breaker per deployment: the automatic psc incident, whichever process opened it.
  incidents.onChange(() => {
    pscIncident.incidentOpen().then(
      (open) => psc.breaker.follow(open),
      (error: unknown) => app.log.warn({ err: serializeError(error) }, 'psc breaker: could not read the incidents'),
    );
  });
  psc.breaker.watch();
  app.addHook('onClose', async () => {
    psc.breaker.stop();
    await psc.breaker.settled();
  });
  const sessionCache = new SessionCache(config.session.cacheSeconds * 1000);
  sessionCache.attach(changes);
  const authDeps = {
    db: database.db,
    psc,
    session: config.session,
    sessionCache,
    operators: new Set(config.operators.map((operator) => operator.idNatPs)),
    incidents,
    continuity: config.continuity,
  };
  registerSessionHooks(app, authDeps, config.admission.proRequestsPerMinute);

  await app.register(healthRoutes);
  await app.register(authRoutes({ ...authDeps, publicUrl: config.publicUrl }));
  await app.register(fallbackRoutes({ ...authDeps, publicUrl: config.publicUrl }));
  await app.register(incidentsRoutes({ db: database.db, incidents, continuity: config.continuity }));
  await app.register(attestationsRoutes({ db: database.db, continuity: config.continuity }));

  const hasher = new CodeHasher(config.codes.hmacKeys ?? [loadDevelopmentHmacKey(config.keysDir, 'code-hmac')]);
  const codesDeps = { db: database.db, hasher, publicUrl: config.publicUrl, ...config.codes };
  await app.register(codesRoutes(codesDeps));
  await app.register(declarationsRoutes({ db: database.db, hasher, ...config.codes }));
  await registerRobert(app, config);
  await registerMessages(app, config, changes);
  await registerStatistics(app, config);
  await app.register(referenceRoutes);
  await app.register(actsRoutes({ codes: codesDeps }));
  await registerLabs(app, config, hasher);
  const { signerKeyFile, signerCertFile, ...certificateSettings } = config.certificates;
  const signer = signerKeyFile && signerCertFile ? await loadSignerFromFiles(signerKeyFile, signerCertFile) : await loadOrCreateDevelopmentSigner(config.keysDir, app.clock.now());
  const lists = new VerifierLists({
    config: config.verifier,
    signerCertificateDer: signer.certificateDer,
    clock: app.clock,
    log: app.log,
    onSnapshot: (snapshot) => {
      for (const origin of ['own', 'imported'] as const) app.metrics.trustedSigners.set({ origin }, snapshot.signers.filter((s) => s.origin === origin).length);
    },
  });
  lists.attach(changes, database.db);
  await lists.start();
  app.decorate('verifierLists', lists);
  app.addHook('onClose', async () => lists.stop());
  const verifierDeps = { lists, country: config.verifier.country, metrics: app.metrics };
  await app.register(verifierRoutes(verifierDeps));
  await app.register(
    certificatesRoutes({ db: database.db, signer, ...certificateSettings, assess: (input) => assessCertificate(verifierDeps, input) }),
  );

  await registerWebClient(app, config.webDir);
  return app;
}

/** Laboratories: the routes, and the hourly deletion of what replays no longer need. */
async function registerLabs(app: FastifyInstance, config: Config, hasher: CodeHasher): Promise<void> {
  const deps = {
    db: app.db,
    hasher,
    publicUrl: config.publicUrl,
    batchMaxResults: config.labBatchMaxResults,
    keyRequestsPerMinute: config.admission.labKeyRequestsPerMinute,
    longCodesPerDay: config.labs.longCodesPerDay,
    retrievalKeys: new SealingKeys(config.labs.retrievalKeys ?? [loadDevelopmentHmacKey(config.keysDir, 'lab-retrieval')], 'lab result retrieval code'),
    retrievalReplayDays: config.labs.retrievalReplayDays,
  };
  await app.register(labsRoutes(deps));
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      purgeReplayMaterial(deps, app.clock.now()).catch((error: unknown) => app.log.error({ err: serializeError(error) }, 'lab replay purge failed'));
    }, HOUR).unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

/** Urgent messages: the routes, and this process's e-mail sender (off with MESSAGES_MAILER=off or without SMTP_URL). */
async function registerMessages(app: FastifyInstance, config: Config, changes: ChangeFeed): Promise<void> {
  const active = new ActiveMessages(app.db, app.clock);
  active.attach(changes);
  const mailer = new MessageMailer({ db: app.db, settings: config.messages, publicUrl: config.publicUrl, clock: app.clock, log: app.log });
  await app.register(
    messagesRoutes({ db: app.db, operators: config.operators, settings: config.messages, active, publicUrl: config.publicUrl, onEmailsQueued: () => mailer.kick() }),
  );
  if (!config.messages.mailer) return;
  if (!mailer.enabled) app.log.warn('SMTP_URL is not set: urgent messages are not e-mailed (they stay in the portal inboxes)');
  app.addHook('onReady', async () => mailer.start());
  app.addHook('onClose', async () => mailer.stop());
}

/** Statistics: the routes, and the periodic rebuild of their rollup (off with STATS_REFRESH_SECONDS=0). */
async function registerStatistics(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(statisticsRoutes({ db: app.db, operators: config.operators, keyRequestsPerMinute: config.admission.labKeyRequestsPerMinute }));
  await app.register(operatorKeysRoutes({ db: app.db, operators: config.operators }));
  await app.register(auditRoutes({ db: app.db, operators: config.operators, timeoutMs: config.auditSearchTimeoutMs }));
  if (config.statsRefreshSeconds === 0) return;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let notBefore = 0;
  const refresh = () => {
    // One rebuild at a time in this process; a slow one (a first backfill) is not stacked, and
    // after a run of d seconds a day the next waits 9 d: the job takes at most a tenth of the
    // database's time on a heavy day, at the cost of older figures.
    if (running || Date.now() < notBefore) return;
    const started = Date.now();
    running = refreshStatistics(app.db, app.clock.now())
      .then((days) => (notBefore = Date.now() + (9 * (Date.now() - started)) / Math.max(1, days.length)))
      .catch((error: unknown) => app.log.error({ err: serializeError(error) }, 'statistics refresh failed'))
      .finally(() => (running = undefined));
  };
  app.addHook('onReady', async () => {
    refresh();
    timer = setInterval(refresh, config.statsRefreshSeconds * SECOND).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
}

/** ROBERT: the protocol's routes, its report workers and the hourly purge (both off with ROBERT_WORKERS=0). */
async function registerRobert(app: FastifyInstance, config: Config): Promise<void> {
  const secrets = await loadRobertSecrets(config.robert, config.keysDir);
  const base = { db: app.db, secrets, dailyKeys: new DailyKeys(app.db, secrets.keyEncryptionKey), time: new RobertTime(config.robert.timeStart), settings: config.robert };
  const workers = new ReportWorkers({ ...base, clock: app.clock, log: app.log }, config.robert.workers);
  await app.register(robertRoutes({ ...base, onReportQueued: () => workers.kick() }));
  registerRobertMetrics(app.metrics.registry, base);
  if (config.robert.workers === 0) return;
  let purge: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    workers.start();
    purge = setInterval(() => {
      purgeExpired(base, app.clock.now()).catch((error: unknown) => app.log.error({ err: serializeError(error) }, 'robert purge failed'));
    }, HOUR).unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(purge);
    await workers.stop();
  });
}

/** Old rate-limit windows are deleted every ten minutes, never inside a request. */
function registerCounterSweep(app: FastifyInstance): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    timer = setInterval(() => {
      sweepOldCounters(app.db, app.clock.now()).catch((error: unknown) => app.log.error({ err: serializeError(error) }, 'rate-limit sweep failed'));
    }, 10 * MINUTE).unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}

/** What admission control reads, on /metrics too: requests in flight and callers waiting for a database connection. */
function registerLoadGauges(app: FastifyInstance, pool: PoolPressure): void {
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Admitted requests being served by this process',
    registers: [app.metrics.registry],
    collect() {
      this.set(app.inFlight());
    },
  });
  new Gauge({
    name: 'db_pool_waiting',
    help: 'Callers waiting for a database connection in this process',
    registers: [app.metrics.registry],
    collect() {
      this.set(pool.waiting);
    },
  });
}

/** OpenAPI description of every route at /docs (the app's public API is tagged `app`). */
async function registerApiDocs(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'ProStopCovid API', version: '1', description: "API du portail professionnel et de l'application StopCovid" },
      servers: [{ url: publicUrl }],
      tags: [
        { name: 'app', description: 'StopCovid app (public, versioned)' },
        { name: 'pro', description: 'Pro portal (PSC session + CSRF token)' },
        { name: 'labs', description: 'Laboratories (API key, independent of PSC)' },
        { name: 'admin', description: 'Authority operators' },
        { name: 'patient', description: 'Patient portal (retrieval code + date of birth)' },
        { name: 'verifier', description: 'Certificate verification (public)' },
        { name: 'robert', description: 'ROBERT exposure notification, for the StopCovid app (public, versioned)' },
      ],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
}

/**
 * Serves the built React client; non-API GETs for a page get index.html (client-side routes):
 * 200 for the client's pages (`routes.json`, written by its build), 404 for any other address,
 * which the client shows as its French 404 page (so a mistyped link is not a "soft 404").
 */
async function registerWebClient(app: FastifyInstance, webDir: string): Promise<void> {
  const built = existsSync(join(webDir, 'index.html'));
  let pagePaths: Set<string> | undefined;
  if (built) {
    await app.register(fastifyStatic, { root: webDir, wildcard: false, index: 'index.html' });
    const routes = await readFile(join(webDir, 'routes.json'), 'utf8').then((text) => JSON.parse(text) as { paths?: unknown }, () => undefined);
    if (Array.isArray(routes?.paths)) pagePaths = new Set(routes.paths.filter((path): path is string => typeof path === 'string'));
    else app.log.warn({ webDir }, 'web client built without routes.json: every page address answers 200');
  } else {
    app.log.warn({ webDir }, 'web client not built: run `npm run build -w @prostopcovid/web`');
  }
  // Matched as the client's router does: case-insensitive, one trailing slash allowed.
  const isClientPage = (url: string) => {
    const path = url.split(/[?#]/, 1)[0]!;
    return !pagePaths || pagePaths.has(path.length > 1 ? path.replace(/\/$/, '').toLowerCase() : path);
  };
  app.setNotFoundHandler(async (request, reply) => {
    const isPage = request.method === 'GET' && !/^\/(api|auth)\//.test(request.url) && (request.headers.accept ?? '').includes('text/html');
    if (built && isPage) return reply.code(isClientPage(request.url) ? 200 : 404).type('text/html; charset=utf-8').sendFile('index.html');
    throw new AppError('NOT_FOUND');
  });
}
