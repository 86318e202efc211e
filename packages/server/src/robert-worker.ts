import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { loadConfigOrExit } from './config.js';
import { openDatabase } from './db/database.js';
import { ReportWorkers } from './modules/robert/report-worker.js';
import { DailyKeys, loadRobertSecrets } from './modules/robert/robert-keys.js';
import { RobertTime } from './modules/robert/robert-time.js';
import { purgeExpired } from './modules/robert/robert.service.js';
import { HOUR, systemClock } from './platform/clock.js';
import { loggerOptions, serializeError } from './platform/logger.js';

/**
 * `npm run worker:robert`: ROBERT report workers as a process of their own, beside servers
 * started with ROBERT_WORKERS=0, on the same PostgreSQL. Several such processes share the
 * queue (FOR UPDATE SKIP LOCKED): each report is taken by one of them. WORKER_LOOPS (default 2)
 * reports are processed at once per process. The servers own the schema: start a worker once
 * a server has run the migrations.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    console.error('Configuration invalide : DATABASE_URL est requis (PGlite ne se partage pas entre processus ; sans PostgreSQL, le serveur traite les rapports lui-même).');
    process.exit(1);
  }
  const loops = Number(process.env.WORKER_LOOPS ?? 2);
  if (!Number.isInteger(loops) || loops < 1 || loops > 32) {
    console.error('Configuration invalide : WORKER_LOOPS doit être un entier entre 1 et 32.');
    process.exit(1);
  }
  const log = pino(loggerOptions(config.logLevel));
  const database = await openDatabase({ url: config.databaseUrl, poolSize: loops + 1 });
  const secrets = await loadRobertSecrets(config.robert, config.keysDir);
  const deps = { db: database.db, secrets, dailyKeys: new DailyKeys(database.db, secrets.keyEncryptionKey), time: new RobertTime(config.robert.timeStart), settings: config.robert };
  const workers = new ReportWorkers({ ...deps, clock: systemClock, log }, loops);
  workers.start();
  const purge = setInterval(() => {
    purgeExpired(deps, systemClock.now()).catch((error: unknown) => log.error({ err: serializeError(error) }, 'robert purge failed'));
  }, HOUR);
  log.info({ loops }, 'robert report workers started');
  // A report in progress finishes or rolls back: its transaction is the unit of work.
  closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
    if (err) log.error({ err: serializeError(err) }, 'fatal error, stopping the workers');
    else log.info({ signal }, 'stopping the workers');
    clearInterval(purge);
    await workers.stop();
    await database.close();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
