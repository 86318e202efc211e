import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPOCH_SECONDS, RISK_LEVEL, SALT, type ReportContact } from '@prostopcovid/contracts/robert';
import { buildHello, fromBase64, importHmacKey, ntpSeconds, Phone, RobertApiError, toBase64, type RobertApi } from '@prostopcovid/phone';
import { MINUTE } from '../../platform/clock.js';
import { addDays, parisDate } from '../../platform/dates.js';
import { createProfessional, createTestApp, declare, issueTestCode, robertApi, robertWorkerDeps, signIn, type TestApp } from '../../testing/test-app.js';
import { processNextReport } from './report-worker.js';
import { computeEcc } from './robert-crypto.js';
import { purgeExpired } from './robert.service.js';

const OPERATOR_ID = '899900000002';
let t: TestApp;
let api: RobertApi;
let deps: Awaited<ReturnType<typeof robertWorkerDeps>>;

beforeAll(async () => {
  t = await createTestApp({ env: { CODE_ISSUE_LIMIT_PER_HOUR: '1000', REDEEM_LIMIT_PER_ADDRESS: '100000', OPERATOR_ID_NAT_PS: OPERATOR_ID, SESSION_IDLE_MINUTES: '1440' } });
  api = robertApi(t.app);
  deps = await robertWorkerDeps(t);
});
afterAll(() => t?.close());

const now = () => ntpSeconds(t.clock.now());
const register = () => Phone.register(api, now());

/** `listener` hears `speaker` every `every` seconds during the last `minutes` minutes, at `rssi`. */
async function meet(speaker: Phone, listener: Phone, minutes: number, rssi = -50, every = 10) {
  const end = now();
  for (let at = end - minutes * 60; at <= end; at += every) {
    const hello = await speaker.hello(at);
    if (hello) listener.hear(hello, at, rssi);
  }
}

/** A GP issues a code, the patient declares (symptoms two days ago): the report token and window. */
async function declaredToken() {
  const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
  const code = await issueTestCode(t.app, doctor);
  const response = await declare(t.app, code, { kind: 'symptoms', date: addDays(parisDate(t.clock.now()), -2) });
  expect(response.statusCode).toBe(201);
  return response.json<{ uploadToken: string; window: { from: string; to: string } }>();
}

async function processAll() {
  const outcomes = [];
  for (let outcome = await processNextReport(deps, t.clock.now()); outcome; outcome = await processNextReport(deps, t.clock.now())) outcomes.push(outcome);
  return outcomes;
}

const counters = async () => {
  const rows = await t.database.db.selectFrom('robert_counters').select(['name', sql<number>`sum(value)::int`.as('n')]).groupBy('name').execute();
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
};
const queued = async () => (await t.database.db.selectFrom('robert_reports').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url: `/api/robert/v1/${url}`, payload: payload as Record<string, unknown> });
const advance = (minutes: number) => t.clock.advance(minutes * MINUTE);

describe('ROBERT end to end: register, meet, declare, report, score, status', () => {
  it('notifies the close contact of a declared case, and not the far or brief ones', async () => {
    const [kase, close, far, brief] = await Promise.all([register(), register(), register(), register()]);
    await meet(kase, close, 30, -50);
    await meet(kase, far, 30, -85);
    await meet(kase, brief, 3, -50);
    // The case heard them too; those HELLOs are what it reports.
    await meet(close, kase, 30, -50);
    await meet(far, kase, 30, -85);
    await meet(brief, kase, 3, -50);

    const before = await counters();
    const declaration = await declaredToken();
    const reported = await kase.report(api, declaration.uploadToken, declaration.window, now());
    expect(reported).toMatchObject({ success: true, rejectedOutsideWindow: 0 });
    expect(reported.accepted).toBe(kase.state.heard.length);
    expect(await queued()).toBe(1);

    const [outcome] = await processAll();
    expect(outcome).toMatchObject({ hellos: kase.state.heard.length, valid: kase.state.heard.length, dropped: {}, exposedUsers: 2, alertedUsers: 1 });
    expect(await queued()).toBe(0);

    const status = await close.checkStatus(api, now());
    expect(status.riskLevel).toBe(RISK_LEVEL.high);
    // The last contact's day, moved by at most a day either way (never into the future).
    const lastContact = Number(status.lastContactDate) - ntpSeconds(new Date(Date.UTC(2020, 5, 2)));
    const todayIndex = Math.floor((now() - ntpSeconds(new Date(Date.UTC(2020, 5, 2)))) / 86_400);
    expect(lastContact % 86_400).toBe(0);
    expect(lastContact / 86_400).toBeGreaterThanOrEqual(todayIndex - 2);
    expect(lastContact / 86_400).toBeLessThanOrEqual(todayIndex);
    expect(Number(status.lastRiskScoringDate)).toBeLessThanOrEqual(now());
    expect(close.atRisk).toBe(true);
    for (const phone of [far, brief]) expect((await phone.checkStatus(api, now())).riskLevel).toBe(RISK_LEVEL.none);

    // At most one status per 2 epochs; the alert stays while the contact is recent, counted once.
    const tooSoon = await close.checkStatus(api, now()).catch((e: unknown) => e);
    expect(tooSoon).toBeInstanceOf(RobertApiError);
    expect((tooSoon as RobertApiError).info).toMatchObject({ status: 429, code: 'ROBERT_STATUS_TOO_SOON' });
    expect((tooSoon as RobertApiError).info.retryAfterSeconds).toBeGreaterThan(0);
    expect((tooSoon as RobertApiError).info.retryAfterSeconds).toBeLessThanOrEqual(2 * EPOCH_SECONDS);
    advance(31);
    expect((await close.checkStatus(api, now())).riskLevel).toBe(RISK_LEVEL.high);
    const after = await counters();
    expect((after.notified ?? 0) - (before.notified ?? 0)).toBe(1);
    expect((after.alerted ?? 0) - (before.alerted ?? 0)).toBe(1);
    expect((after.reports ?? 0) - (before.reports ?? 0)).toBe(1);

    // Eight days later the contact is past the 7-day notification window.
    advance(8 * 24 * 60);
    expect((await close.checkStatus(api, now())).riskLevel).toBe(RISK_LEVEL.none);
  });

  it('answers the same report again with the first answer, queues it once, and refuses another report with the token', async () => {
    const [kase, other] = await Promise.all([register(), register()]);
    await meet(other, kase, 5);
    const { uploadToken, window } = await declaredToken();
    const contacts = kase.contactsToReport(window);
    const first = await post('report', { token: uploadToken, contacts });
    expect(first.statusCode).toBe(200);
    const again = await post('report', { token: uploadToken, contacts });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await queued()).toBe(1);
    const different = await post('report', { token: uploadToken, contacts: contacts.slice(0, 0) });
    expect(different.statusCode).toBe(401);
    expect(different.json().error.code).toBe('DECLARATION_TOKEN_INVALID');
    await processAll();
  });

  it('keeps only the HELLOs heard on the days of the declaration window', async () => {
    const [kase, old, recent] = await Promise.all([register(), register(), register()]);
    await meet(recent, kase, 5);
    await meet(old, kase, 5);
    // Pretend part of it was heard 10 days ago: outside the window (symptoms 2 days ago: from 4 days back).
    for (const heard of kase.state.heard.filter((h) => kase.state.heard.indexOf(h) % 2 === 0)) heard.timeCollectedOnDevice -= 10 * 86_400;
    const { uploadToken } = await declaredToken();
    const contacts = kase.contactsToReport();
    const answer = await api.report({ token: uploadToken, contacts });
    const outside = kase.state.heard.filter((h) => h.timeCollectedOnDevice < now() - 9 * 86_400).length;
    expect(answer).toMatchObject({ accepted: kase.state.heard.length - outside, rejectedOutsideWindow: outside });
    await processAll();
  });

  it('refuses an unknown or expired token before storing anything', async () => {
    const [kase, other] = await Promise.all([register(), register()]);
    await meet(other, kase, 5);
    const response = await post('report', { token: 'x'.repeat(43), contacts: kase.contactsToReport() });
    expect(response.statusCode).toBe(401);
    const { uploadToken } = await declaredToken();
    advance(31);
    expect((await post('report', { token: uploadToken, contacts: kase.contactsToReport() })).statusCode).toBe(401);
    expect(await queued()).toBe(0);
  });
});

describe('ROBERT report validation: each check drops its own bad case, counted by reason', () => {
  it('drops by country, EBID, unknown idA, MAC, time, epoch and duplicate', async () => {
    const [kase, good, gone, speaker] = await Promise.all([register(), register(), register(), register()]);
    await meet(good, kase, 20);
    const valid = kase.contactsToReport();
    const hellos = (contacts: ReportContact[]) => contacts.reduce((n, c) => n + c.ids.length, 0);

    // Each bad contact is built from a genuine one of `speaker`.
    const genuine = async (at: number) => {
      const hello = await speaker.hello(at);
      const parts = { ecc: hello!.subarray(0, 1), ebid: hello!.subarray(1, 9), time: (hello![9]! << 8) | hello![10]!, mac: hello!.subarray(11) };
      return { ebid: toBase64(parts.ebid), ecc: toBase64(parts.ecc), ids: [{ timeCollectedOnDevice: at, timeFromHelloMessage: parts.time, mac: toBase64(parts.mac), rssiCalibrated: -50 }] };
    };
    const at = now() - 120;
    const country = await genuine(at);
    country.ecc = toBase64(Uint8Array.of(fromBase64(country.ecc)[0]! ^ 0x01));
    const ebid = await genuine(at);
    // An EBID no daily key explains, with the right country in its ECC.
    const bogus = Buffer.from('0102030405060708', 'hex');
    ebid.ebid = bogus.toString('base64');
    ebid.ecc = Buffer.of(computeEcc(deps.secrets.federationKey, bogus)).toString('base64');
    const mac = await genuine(at);
    mac.ids[0]!.mac = toBase64(fromBase64(mac.ids[0]!.mac).map((b, i) => (i === 0 ? b ^ 1 : b)));
    const time = await genuine(at);
    time.ids[0]!.timeCollectedOnDevice += 200;
    // A genuine MAC over a time 45 minutes away from the EBID's epoch, heard at that time.
    const tuple = speaker.tupleAt(at - 50 * 60)!;
    const late = now() - 60;
    const forged = await buildHello(await importHmacKey(fromBase64(speaker.state.kaMac)), fromBase64(tuple.key.ecc), fromBase64(tuple.key.ebid), late);
    const epoch = { ebid: tuple.key.ebid, ecc: tuple.key.ecc, ids: [{ timeCollectedOnDevice: late, timeFromHelloMessage: late % 0x10000, mac: toBase64(forged.subarray(11)), rssiCalibrated: -50 }] };
    const duplicate = { ...valid[0]!, ids: [...valid[0]!.ids, valid[0]!.ids[0]!] };
    // A registration that has since been deleted.
    await meet(gone, kase, 1);
    const goneContacts = kase.contactsToReport().filter((c) => !valid.some((v) => v.ebid === c.ebid));
    await gone.unregister(api, now());

    const { uploadToken, window } = await declaredToken();
    const contacts = [duplicate, ...valid.slice(1), country, ebid, mac, time, epoch, ...goneContacts];
    const before = await counters();
    expect((await api.report({ token: uploadToken, contacts })).accepted).toBe(hellos(contacts));
    expect(window.to).toBe(parisDate(t.clock.now()));
    const [outcome] = await processAll();
    expect(outcome!.dropped).toEqual({ country: 1, ebid: 1, mac: 1, time: 1, epoch: 1, duplicate: 1, unknown_ida: hellos(goneContacts) });
    expect(outcome!.valid).toBe(hellos(valid));
    const after = await counters();
    for (const reason of ['country', 'ebid', 'mac', 'time', 'epoch', 'duplicate', 'unknown_ida']) {
      expect((after[`dropped_${reason}`] ?? 0) - (before[`dropped_${reason}`] ?? 0)).toBe(outcome!.dropped[reason as 'mac']);
    }
    expect((after.hellos_valid ?? 0) - (before.hellos_valid ?? 0)).toBe(hellos(valid));
  });
});

describe('ROBERT status, unregister and deleteExposureHistory', () => {
  it('refuses a wrong MAC, a skewed clock, an EBID of another epoch, a replayed request and the other salts', async () => {
    const phone = await register();
    const body = await phone.authenticated(SALT.status, now());
    const flipped = toBase64(fromBase64(body.mac).map((b, i) => (i === 31 ? b ^ 1 : b)));
    expect((await post('status', { ...body, mac: flipped })).json().error.code).toBe('ROBERT_AUTH_FAILED');
    expect((await post('status', { ...body, epochId: body.epochId - 1 })).statusCode).toBe(401);
    expect((await post('status', await phone.authenticated(SALT.unregister, now()))).statusCode).toBe(401);
    const skewed = await post('status', await phone.authenticated(SALT.status, now() - 120));
    expect(skewed.statusCode).toBe(400);
    expect(skewed.json().error.code).toBe('ROBERT_TIME_INVALID');
    expect((await post('status', body)).statusCode).toBe(200);
    advance(31);
    // The same request again: its time is now 31 minutes old.
    expect((await post('status', body)).json().error.code).toBe('ROBERT_TIME_INVALID');
  });

  it('hands out new tuples when fewer than 2 days are left', async () => {
    const phone = await register();
    const first = await phone.checkStatus(api, now());
    expect(first.tuples).toBeUndefined();
    advance(2.5 * 24 * 60);
    const later = await phone.checkStatus(api, now());
    expect(later.tuples).toBeDefined();
    expect(phone.tupleDaysLeft(now())).toBeGreaterThan(3.9);
    expect(await phone.hello(now() + 3.5 * 86_400)).toBeDefined();
  });

  it('forgets exposures on deleteExposureHistory and everything on unregister', async () => {
    const [kase, contact] = await Promise.all([register(), register()]);
    await meet(kase, contact, 40);
    await meet(contact, kase, 40);
    const { uploadToken, window } = await declaredToken();
    await kase.report(api, uploadToken, window, now());
    await processAll();
    const exposures = () => t.database.db.selectFrom('robert_exposures').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const before = (await exposures()).n;
    expect(before).toBeGreaterThan(0);
    expect(await contact.deleteExposureHistory(api, now())).toMatchObject({ success: true });
    expect((await exposures()).n).toBeLessThan(before);
    expect((await contact.checkStatus(api, now())).riskLevel).toBe(RISK_LEVEL.none);
    advance(31);
    expect(await contact.unregister(api, now())).toMatchObject({ success: true });
    const refused = await contact.checkStatus(api, now()).catch((e: unknown) => e);
    expect((refused as RobertApiError).info.status).toBe(401);
  });
});

describe('ROBERT register', () => {
  it('refuses keys that are not P-256 SubjectPublicKeyInfo, and stores nothing', async () => {
    const count = async () => (await t.database.db.selectFrom('robert_registrations').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    const before = await count();
    for (const key of ['AAAA', toBase64(new Uint8Array(91)), 'not base64!']) {
      const response = await post('register', { clientPublicECDHKey: key });
      expect(response.statusCode).toBe(400);
    }
    expect(await count()).toBe(before);
  });

  it('answers its public key, timeStart and clock', async () => {
    const config = await api.config();
    expect(fromBase64(config.serverPublicECDHKey)).toHaveLength(91);
    expect(config.timeStart).toBe(ntpSeconds(new Date(Date.UTC(2020, 5, 2))));
    const clock = await api.clock();
    expect(clock.epoch).toBe(Math.floor((now() - config.timeStart) / EPOCH_SECONDS));
    expect(clock.serverStartTime).toBe('2020-06-02T00:00:00.000Z');
  });
});

describe('ROBERT retention', () => {
  it('purges exposures after 14 days and registrations after the inactivity period', async () => {
    const [kase, contact] = await Promise.all([register(), register()]);
    await meet(contact, kase, 30);
    const { uploadToken, window } = await declaredToken();
    await kase.report(api, uploadToken, window, now());
    await processAll();
    const count = async (table: 'robert_exposures' | 'robert_registrations' | 'robert_server_keys') =>
      (await t.database.db.selectFrom(table).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    expect(await count('robert_exposures')).toBeGreaterThan(0);
    advance(15 * 24 * 60);
    const purged = await purgeExpired(deps, t.clock.now());
    expect(await count('robert_exposures')).toBe(0);
    expect(purged.exposures).toBeGreaterThan(0);
    advance(16 * 24 * 60);
    const later = await purgeExpired(deps, t.clock.now());
    expect(await count('robert_registrations')).toBe(0);
    // The daily keys of those days (the last hour's to 4 days ahead) are past 15 days by now.
    expect(later.keys).toBeGreaterThan(0);
  });
});

describe('ROBERT bad input: a clear 4xx, never a 500, nothing partial stored', () => {
  const ebid = toBase64(new Uint8Array(8));
  const time = toBase64(new Uint8Array(4));
  const mac = toBase64(new Uint8Array(32));
  const hello = { timeCollectedOnDevice: 3_900_000_000, timeFromHelloMessage: 1, mac: toBase64(new Uint8Array(5)), rssiCalibrated: -60 };

  it.each([
    ['status', { ebid: toBase64(new Uint8Array(9)), epochId: 1, time, mac }],
    ['status', { ebid: 'AAAAAAAAAA!=', epochId: 1, time, mac }],
    ['status', { ebid, epochId: -1, time, mac }],
    ['status', { ebid, epochId: 2 ** 24, time, mac }],
    ['status', { ebid, epochId: 1.5, time, mac }],
    ['status', { ebid, epochId: 1, time: toBase64(new Uint8Array(8)), mac }],
    ['status', { ebid, epochId: 1, time, mac: toBase64(new Uint8Array(5)) }],
    ['status', { ebid, epochId: 1, time, mac, extra: true }],
    ['unregister', { ebid, epochId: 1, time }],
    ['deleteExposureHistory', {}],
    ['register', {}],
    ['register', { clientPublicECDHKey: '' }],
    ['register', { clientPublicECDHKey: 'A'.repeat(500) }],
    ['report', { token: 'x'.repeat(43) }],
    ['report', { token: 'x'.repeat(43), contacts: [{ ebid, ecc: 'AA==', ids: [] }] }],
    ['report', { token: 'x'.repeat(43), contacts: [{ ebid, ecc: 'AAA=', ids: [hello] }] }],
    ['report', { token: 'x'.repeat(43), contacts: [{ ebid, ecc: 'AA==', ids: [{ ...hello, mac: 'AAAAAAAA' }] }] }],
    ['report', { token: 'x'.repeat(43), contacts: [{ ebid, ecc: 'AA==', ids: [{ ...hello, timeFromHelloMessage: 65_536 }] }] }],
    ['report', { token: 'x'.repeat(43), contacts: [{ ebid, ecc: 'AA==', ids: [{ ...hello, timeCollectedOnDevice: 2 ** 32 }] }] }],
    ['report', { token: 'x'.repeat(43), contacts: [{ ebid, ecc: 'AA==', ids: [{ ...hello, rssiCalibrated: 128 }] }] }],
  ])('%s %j → 400', async (route, body) => {
    const response = await post(route, body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('REQUEST_INVALID');
  });

  it('refuses a malformed report without spending the token, and one over the size limit with 413', async () => {
    const [kase, other] = await Promise.all([register(), register()]);
    await meet(other, kase, 5);
    const { uploadToken } = await declaredToken();
    const good = kase.contactsToReport();
    const bad = { ...good[0]!, ids: [{ ...good[0]!.ids[0]!, mac: '!!!!!!!=' }] };
    expect((await post('report', { token: uploadToken, contacts: [...good, bad] })).statusCode).toBe(400);
    const many = Array.from({ length: 201 }, () => ({ ...good[0]!, ids: Array.from({ length: 1000 }, () => good[0]!.ids[0]!) }));
    const tooLarge = await post('report', { token: uploadToken, contacts: many });
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error.code).toBe('ROBERT_REPORT_TOO_LARGE');
    expect(await queued()).toBe(0);
    expect((await post('report', { token: uploadToken, contacts: good })).statusCode).toBe(200);
    await processAll();
  });

  it('takes a report of the largest allowed size (200,000 HELLOs) in one request', async () => {
    const phone = await register();
    const { uploadToken } = await declaredToken();
    const heard = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const at = now() - 3000 + i * 10;
      const bytes = (await phone.hello(at))!;
      return { ebid: toBase64(bytes.subarray(1, 9)), ecc: toBase64(bytes.subarray(0, 1)), ids: Array.from({ length: 1000 }, (_, j) => ({ timeCollectedOnDevice: at + (j % 50), timeFromHelloMessage: at % 0x10000, mac: toBase64(bytes.subarray(11)), rssiCalibrated: -60 })) };
    }));
    const response = await post('report', { token: uploadToken, contacts: heard });
    expect(response.statusCode).toBe(200);
    expect(response.json().accepted).toBe(200_000);
    const [outcome] = await processAll();
    expect(outcome!.hellos).toBe(200_000);
  });
});

describe('ROBERT KPIs', () => {
  it('gives operators the key figures, refuses others, and shows them on /metrics', async () => {
    const account = createProfessional(t, { profession: '10' });
    account.idNatPs = OPERATOR_ID;
    const operator = await signIn(t, account);
    const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
    const kpis = await t.app.inject({ method: 'GET', url: '/api/robert/kpis', headers: operator.headers });
    expect(kpis.statusCode).toBe(200);
    const body = kpis.json();
    expect(body.reports).toBeGreaterThan(0);
    expect(body.alertedUsers).toBeGreaterThan(0);
    expect(body.dropped.mac).toBeGreaterThan(0);
    expect(body.queuedReports).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/api/robert/kpis', headers: doctor.headers })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/robert/kpis' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/robert/kpis?from=2026-02-30', headers: operator.headers })).statusCode).toBe(400);
    const today = parisDate(t.clock.now());
    const none = await t.app.inject({ method: 'GET', url: `/api/robert/kpis?from=${addDays(today, 400)}`, headers: operator.headers });
    expect(none.json().reports).toBe(0);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`robert_reports{stage="processed"} ${body.reports}`);
    expect(metrics).toMatch(/robert_hellos_dropped\{reason="mac"\} [1-9]/);
    expect(metrics).toMatch(/robert_users\{state="alerted"\} [1-9]/);
  });
});
