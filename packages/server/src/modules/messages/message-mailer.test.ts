import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FollowUp, MessageContent, MessageDetail } from '@prostopcovid/contracts/messages';
import { startMailCatcher, type MailCatcher } from '../../dev/mail-catcher.js';
import { HOUR, SECOND } from '../../platform/clock.js';
import { startChild, type ChildServer } from '../../testing/processes.js';
import { insertSyntheticProfessionals } from '../../testing/synthetic-professionals.js';
import { createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../../testing/test-app.js';
import { claimDue, markInterrupted, MessageMailer, SENDING_LEASE_MS } from './message-mailer.js';
import { queueDueReminders } from './messages.service.js';
import { content } from './message-content.factory.js';

const DGS = '899700100012';

let t: TestApp;
let dgs: SignedIn;
let catcher: MailCatcher;
let refused = new Map<string, number>();
const mailers: MessageMailer[] = [];

function mailer(perSecond = 1000): MessageMailer {
  const created = new MessageMailer({
    db: t.database.db,
    settings: { ...t.config.messages, smtpUrl: catcher.smtpUrl, emailsPerSecond: perSecond },
    publicUrl: t.config.publicUrl,
    clock: t.clock,
    log: t.app.log,
  });
  mailers.push(created);
  return created;
}

/** The follow-up, as a freshly signed-in operator (tests move the clock past sessions' idle timeout). */
async function followUpOf(id: string): Promise<FollowUp> {
  const session = await signIn(t, t.professionals.find((p) => p.idNatPs === DGS)!);
  return (await t.app.inject({ method: 'GET', url: `/api/messages/${id}/follow-up`, headers: { cookie: session.cookie } })).json<FollowUp>();
}

/** Sends until nothing more is due or allowed now, as the sender's loop does. */
async function drain(sender: MessageMailer): Promise<number> {
  let total = 0;
  for (let n = await sender.sendDue(); n > 0; n = await sender.sendDue()) total += n;
  return total;
}

async function publish(body: MessageContent): Promise<MessageDetail> {
  const draft = await t.app.inject({ method: 'POST', url: '/api/messages', headers: dgs.headers, payload: body });
  const published = await t.app.inject({ method: 'POST', url: `/api/messages/${draft.json<MessageDetail>().id}/publish`, headers: dgs.headers });
  expect(published.statusCode, published.body).toBe(200);
  return published.json<MessageDetail>();
}

const emails = (messageId: string) =>
  t.database.db.selectFrom('message_emails').select(['address', 'status', 'kind', 'version', 'not_before', 'attempts', 'error']).where('message_id', '=', messageId).orderBy('not_before').execute();

/** Everyone in one department of their own, so each test's message reaches only its professionals. */
async function pharmacistsIn(department: string, region: string, count: number, prefix: string) {
  await insertSyntheticProfessionals(t.database.db, { count, profession: '21', department, region, prefix });
}

const toDepartment = (department: string): Partial<MessageContent> => ({ zone: { national: false, regions: [], departments: [department] } });

beforeAll(async () => {
  t = await createTestApp({ env: { OPERATOR_ID_NAT_PS: DGS, MESSAGES_EMAILS_PER_SECOND: '2', MESSAGES_REMINDER_HOURS: '24' } });
  catcher = await startMailCatcher({ refuseRecipient: (address) => refused.get(address) });
});
// Tests move the clock by hours: a fresh session each time (the idle timeout would end it).
beforeEach(async () => {
  dgs = await signIn(t, t.professionals.find((p) => p.idNatPs === DGS)!);
});
afterEach(async () => {
  await Promise.all(mailers.splice(0).map((m) => m.stop()));
  refused = new Map();
});
afterAll(async () => {
  await catcher?.close();
  await t?.close();
});

describe('the e-mail sender', () => {
  it('spreads a version’s e-mails at the configured pace and sends only those due', async () => {
    await pharmacistsIn('47', '75', 6, '4701');
    const message = await publish(content(toDepartment('47')));
    const queued = await emails(message.id);
    expect(queued).toHaveLength(6);
    const offsets = queued.map((e) => e.not_before.getTime() - queued[0]!.not_before.getTime());
    expect(offsets).toEqual([0, 500, 1000, 1500, 2000, 2500]);

    const sender = mailer();
    expect(await drain(sender)).toBe(1);
    t.clock.advance(1 * SECOND);
    expect(await drain(sender)).toBe(2);
    t.clock.advance(10 * SECOND);
    expect(await drain(sender)).toBe(3);
    expect((await emails(message.id)).every((e) => e.status === 'sent')).toBe(true);
    for (const e of queued) expect(catcher.countFor(e.address)).toBe(1);

    const [mail] = await catcher.list({ to: queued[0]!.address });
    expect(mail!.subject).toBe(`${message.reference} : ${message.title}`);
    expect(mail!.text).toContain('remettez une **attestation** valable 12 heures');
    expect(mail!.text).toContain(`${t.config.publicUrl}/messages?message=${message.id}`);
    expect(mail!.messageId).toMatch(new RegExp(`^<${message.id}\\.1\\.message\\.`));

    const followUp = await followUpOf(message.id);
    expect(followUp.total).toMatchObject({ reached: 6, emailed: 6, delivered: 6, failed: 0 });
    expect(followUp.emailsPending).toBe(0);
  });

  it('takes at most its rate per second however many are due (no burst after a pause)', async () => {
    await pharmacistsIn('40', '75', 12, '4001');
    const message = await publish(content(toDepartment('40')));
    t.clock.advance(HOUR);
    const sender = mailer(5);
    // One second's worth, and what refills while those are sent.
    const burst = await drain(sender);
    expect(burst).toBeGreaterThanOrEqual(5);
    expect(burst).toBeLessThanOrEqual(6);
    await sleep(1100);
    const next = await drain(sender);
    expect(next).toBeGreaterThanOrEqual(5);
    expect(burst + next).toBeLessThanOrEqual(12);
    expect((await emails(message.id)).filter((e) => e.status === 'sent')).toHaveLength(burst + next);
  });

  it('records a bounce (5xx) and retries a temporary refusal (4xx) later', async () => {
    await pharmacistsIn('24', '75', 3, '2401');
    const message = await publish(content(toDepartment('24')));
    const [bounced, deferred] = (await emails(message.id)).map((e) => e.address);
    refused.set(bounced!, 550);
    refused.set(deferred!, 451);
    t.clock.advance(HOUR);
    await drain(mailer());
    const after = await emails(message.id);
    expect(after.find((e) => e.address === bounced)).toMatchObject({ status: 'bounced' });
    expect(after.find((e) => e.address === bounced)!.error).toContain('Destinataire inconnu');
    const retried = after.find((e) => e.address === deferred)!;
    expect(retried).toMatchObject({ status: 'queued', attempts: 1 });
    expect(retried.not_before.getTime()).toBeGreaterThan(t.clock.now().getTime());
    refused.delete(deferred!);
    t.clock.advance(2 * 60 * SECOND);
    await drain(mailer());
    expect((await emails(message.id)).find((e) => e.address === deferred)).toMatchObject({ status: 'sent', attempts: 2 });
    expect((await followUpOf(message.id)).total).toMatchObject({ emailed: 3, delivered: 2, failed: 1 });
  });

  it('does not send, after a refusal, the e-mail of a message withdrawn meanwhile', async () => {
    await pharmacistsIn('79', '75', 1, '7901');
    const message = await publish(content(toDepartment('79')));
    const [row] = await emails(message.id);
    refused.set(row!.address, 451);
    t.clock.advance(HOUR);
    const sender = mailer();
    // The sender holds the row (sending) while the operator withdraws the message.
    await t.database.db.updateTable('message_emails').set({ status: 'sending', claimed_at: t.clock.now(), attempts: 1 }).where('message_id', '=', message.id).execute();
    const operator = await signIn(t, t.professionals.find((p) => p.idNatPs === DGS)!);
    const withdrawn = await t.app.inject({ method: 'POST', url: `/api/messages/${message.id}/withdraw`, headers: operator.headers, payload: { reason: 'Erreur' } });
    expect(withdrawn.statusCode).toBe(200);
    await t.database.db.updateTable('message_emails').set({ status: 'queued' }).where('message_id', '=', message.id).execute();
    // Queued again by a retry that raced the withdrawal: never taken.
    expect(await claimDue(t.database.db, t.clock.now(), 10)).toEqual([]);
    refused.delete(row!.address);
    expect(await drain(sender)).toBe(0);
    expect(catcher.countFor(row!.address)).toBe(0);
  });

  it('sends one copy to an address several professionals share', async () => {
    await insertSyntheticProfessionals(t.database.db, { count: 3, profession: '21', department: '86', region: '75', prefix: '8601' });
    await t.database.db.updateTable('professionals').set({ email: 'accueil@clinique.example' }).where('id_nat_ps', 'like', '898601%').execute();
    const message = await publish(content(toDepartment('86')));
    expect((await emails(message.id)).map((e) => e.address)).toEqual(['accueil@clinique.example']);
  });

  it('never sends again what a stopped sender left in flight: marked interrupted after the lease', async () => {
    await pharmacistsIn('19', '75', 2, '1901');
    const message = await publish(content(toDepartment('19')));
    // A sender took them and died before recording the outcome.
    await t.database.db.updateTable('message_emails').set({ status: 'sending', claimed_at: t.clock.now() }).where('message_id', '=', message.id).execute();
    await markInterrupted(t.database.db, t.clock.now());
    expect((await emails(message.id)).map((e) => e.status)).toEqual(['sending', 'sending']);
    t.clock.advance(SENDING_LEASE_MS + SECOND);
    expect(await markInterrupted(t.database.db, t.clock.now())).toBeGreaterThanOrEqual(2);
    await drain(mailer());
    expect((await emails(message.id)).map((e) => e.status)).toEqual(['interrupted', 'interrupted']);
  });

  it('cancels the unsent e-mails of a version replaced by a correction, and e-mails the correction', async () => {
    await pharmacistsIn('23', '75', 4, '2301');
    const message = await publish(content(toDepartment('23')));
    expect(await drain(mailer(1000))).toBe(1);
    const corrected = await t.app.inject({
      method: 'POST',
      url: `/api/messages/${message.id}/corrections`,
      headers: dgs.headers,
      payload: { content: content({ ...toDepartment('23'), title: 'Rectifié' }), note: 'Titre corrigé' },
    });
    expect(corrected.statusCode).toBe(200);
    const rows = await emails(message.id);
    expect(rows.filter((e) => e.version === 1).map((e) => e.status).sort()).toEqual(['cancelled', 'cancelled', 'cancelled', 'sent']);
    expect(rows.filter((e) => e.version === 2 && e.status === 'queued')).toHaveLength(4);
    t.clock.advance(HOUR);
    await drain(mailer(1000));
    const subjects = (await catcher.list()).filter((m) => m.subject.includes('Rectifié'));
    expect(subjects).toHaveLength(4);
    expect(subjects[0]!.subject).toBe(`Rectificatif — ${message.reference} : Rectifié`);
  });

  it('reminds those who have not acknowledged an action message, once, after the configured hours', async () => {
    await pharmacistsIn('16', '75', 3, '1601');
    const reader = createProfessional(t, { workplaces: [{ profession: '21', postcode: '16000', email: 'lecteur@test.example' }] });
    const session = await signIn(t, reader);
    const message = await publish(content(toDepartment('16')));
    await t.app.inject({ method: 'POST', url: `/api/inbox/${message.id}/acknowledge`, headers: session.headers, payload: { version: 1 } });
    const sender = mailer(1000);
    t.clock.advance(HOUR);
    await drain(sender);
    const remindersQueued = async () => {
      await queueDueReminders({ db: t.database.db, settings: t.config.messages }, t.clock.now());
      return (await emails(message.id)).filter((e) => e.kind === 'reminder').length;
    };
    expect(await remindersQueued()).toBe(0);
    t.clock.advance(24 * HOUR);
    expect(await remindersQueued()).toBe(3);
    expect(await remindersQueued()).toBe(3);
    t.clock.advance(HOUR);
    await drain(sender);
    const reminders = (await emails(message.id)).filter((e) => e.kind === 'reminder');
    expect(reminders.map((e) => e.status)).toEqual(['sent', 'sent', 'sent']);
    expect(reminders.map((e) => e.address)).not.toContain('lecteur@test.example');
    expect((await catcher.list({ to: reminders[0]!.address }))[0]!.subject).toMatch(/^Rappel — /);
    // By hand: already done for this version.
    const operator = await signIn(t, t.professionals.find((p) => p.idNatPs === DGS)!);
    const manual = await t.app.inject({ method: 'POST', url: `/api/messages/${message.id}/reminders`, headers: operator.headers });
    expect(manual.json<{ queued: number }>().queued).toBe(0);
  });
});

const url = process.env.TEST_DATABASE_URL;

// A sender killed mid-fan-out: a process of its own, on PostgreSQL (PGlite belongs to one process).
describe.skipIf(!url)('npm run worker:messages killed mid-fan-out', () => {
  const children: ChildServer[] = [];
  afterAll(async () => {
    await Promise.all(children.map((c) => c.stop()));
  });

  it('sends each recipient at most once, and every one whose send was not interrupted exactly once', { timeout: 120_000 }, async () => {
    const total = 400;
    await pharmacistsIn('87', '75', total, '8701');
    // The real clock: the child sender reads it.
    t.clock.set(new Date());
    const message = await publish(content(toDepartment('87')));
    // This app spreads e-mails at 2 a second: all due now, the sender's own pace (400/s) then rules.
    await t.database.db.updateTable('message_emails').set({ not_before: new Date() }).where('message_id', '=', message.id).execute();
    const databaseUrl = new URL(url!);
    databaseUrl.searchParams.set('options', `-c search_path=${t.database.schema}`);
    const start = () =>
      startChild({
        name: 'messages-worker',
        script: 'packages/server/src/messages-worker.ts',
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: databaseUrl.href,
          SMTP_URL: catcher.smtpUrl,
          MESSAGES_EMAILS_PER_SECOND: '400',
          MESSAGES_SMTP_CONNECTIONS: '4',
          KEYS_DIR: t.config.keysDir,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
        },
        readyMarker: 'messages sender started',
      });
    const first = await start();
    children.push(first);
    const before = catcher.total;
    await expect.poll(() => catcher.total - before, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(40);
    process.kill(first.pid, 'SIGKILL');
    await first.stop();
    const afterKill = catcher.total - before;
    expect(afterKill).toBeLessThan(total);
    // The killed sender's sends in flight: left 'sending', which no other sender claims.
    const inFlight = await t.database.db.selectFrom('message_emails').select('id').where('message_id', '=', message.id).where('status', '=', 'sending').execute();
    expect(inFlight.length).toBeLessThanOrEqual(4);

    children.push(await start());
    // Done once nothing is queued and the new sender has nothing in flight either.
    const pending = async () =>
      (await t.database.db.selectFrom('message_emails').select('status').where('message_id', '=', message.id).where('status', 'in', ['queued', 'sending']).execute()).length;
    await expect.poll(pending, { timeout: 60_000, interval: 200 }).toBe(inFlight.length);
    // What the killed sender had in flight: marked interrupted once its lease passes.
    await markInterrupted(t.database.db, new Date(Date.now() + SENDING_LEASE_MS + SECOND));

    const rows = await emails(message.id);
    const sent = rows.filter((e) => e.status === 'sent');
    const interrupted = rows.filter((e) => e.status === 'interrupted');
    expect(sent.length + interrupted.length).toBe(total);
    // Exactly the sends in flight at the kill: at most one per SMTP connection.
    expect(interrupted.length).toBe(inFlight.length);
    for (const e of sent) expect(catcher.countFor(e.address), e.address).toBe(1);
    for (const e of interrupted) expect(catcher.countFor(e.address), e.address).toBeLessThanOrEqual(1);
    expect(catcher.total - before).toBeGreaterThanOrEqual(sent.length);
    expect(catcher.total - before).toBeLessThanOrEqual(total);
  });
});
