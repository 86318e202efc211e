import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { loadConfigOrExit } from './config.js';
import { openDatabase } from './db/database.js';
import { MessageMailer } from './modules/messages/message-mailer.js';
import { systemClock } from './platform/clock.js';
import { loggerOptions, serializeError } from './platform/logger.js';

/**
 * `npm run worker:messages`: the e-mail sender of urgent messages as a process of its own,
 * beside servers started with MESSAGES_MAILER=off, on the same PostgreSQL. Several may run:
 * they share the queue (FOR UPDATE SKIP LOCKED). The servers own the schema: start a sender
 * once a server has run the migrations.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    console.error("Configuration invalide : DATABASE_URL est requis (PGlite ne se partage pas entre processus ; sans PostgreSQL, le serveur envoie les courriels lui-même).");
    process.exit(1);
  }
  if (!config.messages.smtpUrl) {
    console.error('Configuration invalide : SMTP_URL est requis (le relais SMTP par lequel envoyer les courriels).');
    process.exit(1);
  }
  const log = pino(loggerOptions(config.logLevel));
  const database = await openDatabase({ url: config.databaseUrl, poolSize: 4 });
  const mailer = new MessageMailer({ db: database.db, settings: config.messages, publicUrl: config.publicUrl, clock: systemClock, log });
  mailer.start();
  // The ready line tests and supervisors wait for.
  console.log(`messages sender started (${config.messages.emailsPerSecond} e-mails/s at most)`);
  // E-mails in flight are answered and recorded before the process ends.
  closeWithGrace({ delay: 70_000 }, async ({ signal, err }) => {
    if (err) log.error({ err: serializeError(err) }, 'fatal error, stopping the sender');
    else log.info({ signal }, 'stopping the sender');
    await mailer.stop();
    await database.close();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
