import { professionals, startPscSandbox, type RunningSandbox } from '@prostopcovid/psc-sandbox';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfigOrExit } from './config.js';

/** `npm start`: the embedded database, the PSC sandbox when no PSC is configured, the server and the web client. */
async function main(): Promise<void> {
  let config = loadConfigOrExit();

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

  const app = await buildApp({ config });
  if (!config.databaseUrl) {
    app.log.warn({ dataDir: config.dataDir }, 'using the embedded PGlite database (set DATABASE_URL for PostgreSQL)');
  }
  if (sandbox) app.log.warn({ issuer: sandbox.issuer }, 'using the bundled PSC sandbox (set PSC_ISSUER for the real Pro Santé Connect)');

  await app.listen({ host: config.host, port: config.port });

  const lines = [
    '',
    `ProStopCovid est prêt : ${config.publicUrl}`,
    `Base de données : ${config.databaseUrl ? 'PostgreSQL' : `PGlite (${config.dataDir})`}`,
    `Portail patient : ${config.publicUrl}/patient — vérifier un passe : ${config.publicUrl}/verifier`,
  ];
  if (sandbox) {
    lines.push(`Pro Santé Connect (bac à sable) : ${sandbox.issuer}`, 'Comptes de test :');
    for (const pro of professionals) {
      const codes = pro.exercices.map((e) => e.codeProfession).join(', ');
      lines.push(`  - ${pro.givenName} ${pro.familyName} — ${pro.label} (profession ${codes}, IdNat_PS ${pro.idNatPs})`);
    }
  }
  console.log(lines.join('\n') + '\n');

  // SIGTERM/SIGINT, or a crash: stop taking requests, let those in flight finish (at most
  // SHUTDOWN_GRACE_MS), close the database and the sandbox; a second signal exits at once.
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await sandbox?.close();
  });
}

/** Longer than a request may last (requestTimeout 30 s): nothing accepted is cut short. */
const SHUTDOWN_GRACE_MS = 35_000;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
