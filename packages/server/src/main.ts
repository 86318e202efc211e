import cluster, { type Worker } from 'node:cluster';
import { professionals, startPscSandbox, type RunningSandbox } from '@prostopcovid/psc-sandbox';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { startMailCatcher, type MailCatcher } from './dev/mail-catcher.js';
import { loadConfigOrExit, type Config } from './config.js';

/**
 * `npm start`: the embedded database, the PSC sandbox when no PSC is configured, the server and
 * the web client. With WORKERS=N (PostgreSQL only) this process supervises N server processes
 * sharing the port (node:cluster); SIGHUP restarts them one at a time without refusing a request.
 */
async function main(): Promise<void> {
  let config = loadConfigOrExit();
  if (cluster.isWorker) return runServer(config, { banner: false });

  let sandbox: RunningSandbox | undefined;
  if (!config.psc.issuer) {
    sandbox = await startPscSandbox({
      port: config.psc.sandboxPort,
      clients: [
        {
          client_id: config.psc.clientId,
          client_secret: config.psc.clientSecret,
          redirect_uris: [`${config.publicUrl}/auth/callback`],
          post_logout_redirect_uris: [`${config.publicUrl}/`],
        },
      ],
    });
    config = Object.freeze({ ...config, psc: Object.freeze({ ...config.psc, issuer: sandbox.issuer }) });
  }
  // No relay configured, outside production: a local catcher receives the e-mails, and its page
  // lists them. In production a missing SMTP_URL leaves e-mails unsent, with a warning, rather
  // than reported delivered to a catcher.
  let catcher: MailCatcher | undefined;
  if (!config.messages.smtpUrl && config.env !== 'production') {
    try {
      catcher = await startMailCatcher({ httpPort: config.messages.catcherPort });
      config = Object.freeze({ ...config, messages: Object.freeze({ ...config.messages, smtpUrl: catcher.smtpUrl }) });
    } catch (error) {
      // A convenience must not stop the server: e.g. another local instance holds the port.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      console.warn(`Le capteur de courriels local n’a pas démarré : le port ${config.messages.catcherPort} est déjà pris (MAIL_CATCHER_PORT). Les messages urgents restent dans les boîtes du portail, sans courriel.`);
    }
  }
  if (config.workers === 1) return runServer(config, { banner: true, sandbox, catcher });
  return supervise(config, sandbox, catcher);
}

/** One server process: build, listen, and stop gracefully on SIGTERM/SIGINT or a crash. */
async function runServer(config: Config, options: { banner: boolean; sandbox?: RunningSandbox; catcher?: MailCatcher }): Promise<void> {
  const { sandbox, catcher } = options;
  const app = await buildApp({ config });
  if (!config.databaseUrl) {
    app.log.warn({ dataDir: config.dataDir }, 'using the embedded PGlite database (set DATABASE_URL for PostgreSQL)');
  }
  if (sandbox) app.log.warn({ issuer: sandbox.issuer }, 'using the bundled PSC sandbox (set PSC_ISSUER for the real Pro Santé Connect)');

  await app.listen({ host: config.host, port: config.port });
  if (catcher) app.log.warn({ page: catcher.webUrl }, 'e-mails go to the local mail catcher (set SMTP_URL for a real relay)');
  if (options.banner) console.log(banner(config, sandbox, 1, catcher));

  // SIGTERM/SIGINT, or a crash: stop taking requests, let those in flight finish (at most
  // SHUTDOWN_GRACE_MS), close the database and the sandbox; a second signal exits at once.
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await sandbox?.close();
    await catcher?.close();
  });
}

function banner(config: Config, sandbox: RunningSandbox | undefined, processes: number, catcher?: MailCatcher): string {
  const lines = [
    '',
    `ProStopCovid est prêt : ${config.publicUrl}`,
    `Base de données : ${config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`}${processes > 1 ? ` — ${processes} processus serveur` : ''}`,
    `Portail patient : ${config.publicUrl}/patient — vérifier un passe : ${config.publicUrl}/verifier`,
    `Messages DGS-Urgent publiés : ${config.publicUrl}/dgs-urgent`,
  ];
  if (catcher) lines.push(`Courriels envoyés (capteur local, rien n'est remis) : ${catcher.webUrl}`);
  if (sandbox) {
    lines.push(`Pro Santé Connect (bac à sable) : ${sandbox.issuer}`, 'Comptes de test :');
    for (const pro of professionals) {
      const codes = pro.exercices.map((e) => e.codeProfession).join(', ');
      lines.push(`  - ${pro.givenName} ${pro.familyName} — ${pro.label} (profession ${codes}, IdNat_PS ${pro.idNatPs})`);
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The supervisor of WORKERS server processes: restarts one that dies, restarts them all one at
 * a time on SIGHUP (the new one listens before the old one stops, and the old one finishes what
 * it accepted), and stops them all on SIGTERM/SIGINT.
 */
async function supervise(config: Config, sandbox: RunningSandbox | undefined, catcher: MailCatcher | undefined): Promise<void> {
  const say = (message: string) => console.error(JSON.stringify({ level: 40, time: Date.now(), msg: `supervisor: ${message}` }));
  const retiring = new WeakSet<Worker>();
  let stopping = false;
  // Workers get the resolved issuer (the sandbox runs here, once), the operators and the catcher.
  const fork = (): Worker => {
    const worker = cluster.fork({
      PSC_ISSUER: config.psc.issuer,
      // The sandbox's default operators hold for the workers too (they see PSC_ISSUER set).
      OPERATOR_ID_NAT_PS: config.operators.map((o) => (o.region ? `${o.idNatPs}:${o.region}` : o.idNatPs)).join(','),
      ...(catcher ? { SMTP_URL: catcher.smtpUrl } : {}),
    });
    worker.on('exit', (code, signal) => {
      if (stopping || retiring.has(worker)) return;
      say(`server process ${worker.process.pid} exited (${signal ?? code}), starting another`);
      setTimeout(() => void listening(fork()).catch(() => undefined), 1000).unref();
    });
    return worker;
  };
  const listening = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      worker.once('listening', () => resolve());
      worker.once('exit', () => reject(new Error(`server process ${worker.process.pid} exited before listening`)));
    });
  const stop = (worker: Worker) =>
    new Promise<void>((resolve) => {
      if (worker.isDead()) return resolve();
      retiring.add(worker);
      const killer = setTimeout(() => worker.process.kill('SIGKILL'), SHUTDOWN_GRACE_MS + 5000);
      worker.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      worker.process.kill('SIGTERM');
    });

  await Promise.all(Array.from({ length: config.workers }, () => listening(fork())));
  console.log(banner(config, sandbox, config.workers, catcher));

  let restarting: Promise<void> | undefined;
  process.on('SIGHUP', () => {
    restarting ??= (async () => {
      say('rolling restart');
      for (const old of Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !retiring.has(w))) {
        await listening(fork());
        await stop(old);
      }
      say('rolling restart done');
    })()
      .catch((error: unknown) => say(`rolling restart failed: ${String(error)}`))
      .finally(() => (restarting = undefined));
  });
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: at once
    stopping = true;
    say(`${signal}, stopping the server processes`);
    const all = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
    void Promise.all(all.map(stop))
      .then(() => sandbox?.close())
      .then(() => catcher?.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** Longer than a request may last (requestTimeout 30 s): nothing accepted is cut short. */
const SHUTDOWN_GRACE_MS = 35_000;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
