import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { escapeHtml } from '../platform/html.js';

/**
 * A local SMTP server that keeps what it receives, and a page that lists it: `npm start` points
 * the e-mails of urgent messages here when no SMTP_URL is set, so a newcomer sees them. Tests
 * and the benchmark use it as a real SMTP peer. It keeps the last `keep` messages in full and a
 * count of every message per recipient.
 */
export interface CaughtMail {
  id: number;
  receivedAt: string;
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
}

export interface MailCatcherOptions {
  host?: string;
  /** 0: any free port. */
  smtpPort?: number;
  /** The page; undefined: no page (tests). */
  httpPort?: number;
  keep?: number;
  /** A reply code to refuse a recipient with (550: a bounce, 451: try later), or undefined to accept. */
  refuseRecipient?: (address: string) => number | undefined;
}

export interface MailCatcher {
  smtpUrl: string;
  webUrl: string | undefined;
  /** Messages received in all (accepted DATA). */
  readonly total: number;
  /** Messages received for an address. */
  countFor(address: string): number;
  /** Every recipient with its count. */
  counts(): Map<string, number>;
  /** The messages kept, newest first, parsed. */
  list(filter?: { to?: string }): Promise<Array<{ id: number; receivedAt: string; from: string; to: string[]; subject: string; text: string; messageId: string | null }>>;
  close(): Promise<void>;
}

export async function startMailCatcher(options: MailCatcherOptions = {}): Promise<MailCatcher> {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keep ?? 500;
  const kept: CaughtMail[] = [];
  const perRecipient = new Map<string, number>();
  let total = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'ProStopCovid — capteur de courriels local',
    logger: false,
    size: 20 * 1024 * 1024,
    // Accept any credentials: the catcher stands in for a relay that asks for them.
    onAuth: (_auth, _session, callback) => callback(null, { user: 'local' }),
    onRcptTo(address, _session, callback) {
      const code = options.refuseRecipient?.(address.address);
      if (code === undefined) return callback();
      const error = Object.assign(new Error(code >= 500 ? 'Destinataire inconnu' : 'Réessayez plus tard'), { responseCode: code });
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        total++;
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        for (const address of to) perRecipient.set(address, (perRecipient.get(address) ?? 0) + 1);
        kept.push({
          id: total,
          receivedAt: new Date().toISOString(),
          envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          envelopeTo: to,
          raw: Buffer.concat(chunks),
        });
        if (kept.length > keep) kept.shift();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => resolve());
  });
  smtp.on('error', () => undefined);
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const list: MailCatcher['list'] = async (filter = {}) => {
    const wanted = filter.to?.toLowerCase();
    const chosen = kept.filter((m) => !wanted || m.envelopeTo.includes(wanted)).reverse();
    // Loaded when the page is first read: the server's idle memory does not carry the parser.
    const { simpleParser } = await import('mailparser');
    return Promise.all(
      chosen.map(async (mail) => {
        const parsed = await simpleParser(mail.raw);
        return {
          id: mail.id,
          receivedAt: mail.receivedAt,
          from: parsed.from?.text ?? mail.envelopeFrom,
          to: mail.envelopeTo,
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          messageId: parsed.messageId ?? null,
        };
      }),
    );
  };

  let web: Server | undefined;
  let webUrl: string | undefined;
  if (options.httpPort !== undefined) {
    web = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://catcher');
      const to = url.searchParams.get('to') ?? undefined;
      list({ to }).then(
        (mails) => {
          if (url.pathname === '/api/mails') {
            response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
            response.end(JSON.stringify({ total, mails }));
          } else if (url.pathname === '/') {
            response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
            response.end(page(mails, total));
          } else {
            response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
            response.end('Page introuvable');
          }
        },
        () => {
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          response.end('Erreur de lecture des courriels');
        },
      );
    });
    try {
      await new Promise<void>((resolve, reject) => {
        web!.once('error', reject);
        web!.listen(options.httpPort, host, () => resolve());
      });
    } catch (error) {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      throw error;
    }
    webUrl = `http://${host}:${(web.address() as AddressInfo).port}/`;
  }

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    webUrl,
    get total() {
      return total;
    },
    countFor: (address) => perRecipient.get(address.toLowerCase()) ?? 0,
    counts: () => new Map(perRecipient),
    list,
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      if (web) await new Promise<void>((resolve) => web.close(() => resolve()));
    },
  };
}


function page(mails: Awaited<ReturnType<MailCatcher['list']>>, total: number): string {
  const rows = mails
    .map(
      (m) => `<article>
  <h2>${escapeHtml(m.subject || '(sans objet)')}</h2>
  <p class="meta">Reçu le ${escapeHtml(new Date(m.receivedAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' }))} — de ${escapeHtml(m.from)} — à ${escapeHtml(m.to.join(', '))}</p>
  <details><summary>Texte du courriel</summary><pre>${escapeHtml(m.text)}</pre></details>
</article>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>Courriels capturés — ProStopCovid</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#161616}article{border-bottom:1px solid #ddd;padding:.5rem 0}h2{font-size:1.1rem;margin:.2rem 0}.meta{color:#555;margin:.2rem 0}pre{white-space:pre-wrap;background:#f6f6f6;padding:.75rem}</style>
</head><body>
<h1>Courriels capturés</h1>
<p>Ce serveur SMTP local reçoit les courriels de ProStopCovid à la place d'un vrai relais (aucun n'est remis à son destinataire). Courriels reçus depuis le démarrage : ${total}${mails.length < total ? ` (les ${mails.length} plus récents sont affichés)` : ''}. La page se recharge toutes les 10 secondes.</p>
${mails.length === 0 ? '<p><strong>Aucun courriel pour le moment.</strong> Publiez un message urgent depuis le portail (compte opérateur) : les professionnels ciblés le recevront ici, au rythme d’envoi configuré.</p>' : rows}
</body></html>`;
}
