import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inbox, InboxMessage, MessageContent, MessageDetail, MessagePreview, FollowUp, PublicMessageList } from '@prostopcovid/contracts/messages';
import { content } from './message-content.factory.js';
import { createProfessional, createTestApp, signIn, type SignedIn, type TestApp, type TestWorkplace } from '../../testing/test-app.js';

const DGS = '899700100012';
const ARS_NA = '899700100013';


let t: TestApp;
let dgs: SignedIn;
let ars: SignedIn;
const pros: Record<string, SignedIn> = {};

async function pro(name: string, workplaces: TestWorkplace[]): Promise<SignedIn> {
  pros[name] = await signIn(t, createProfessional(t, { workplaces, familyName: `TEST-${name.toUpperCase()}` }));
  return pros[name];
}

async function publish(session: SignedIn, body: MessageContent): Promise<MessageDetail> {
  const draft = await t.app.inject({ method: 'POST', url: '/api/messages', headers: session.headers, payload: body });
  expect(draft.statusCode, draft.body).toBe(201);
  const published = await t.app.inject({ method: 'POST', url: `/api/messages/${draft.json<MessageDetail>().id}/publish`, headers: session.headers });
  expect(published.statusCode, published.body).toBe(200);
  return published.json<MessageDetail>();
}

async function inbox(session: SignedIn): Promise<Inbox> {
  const response = await t.app.inject({ method: 'GET', url: '/api/inbox', headers: { cookie: session.cookie } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<Inbox>();
}

const inboxIds = async (session: SignedIn) => (await inbox(session)).messages.map((m) => m.id);

beforeAll(async () => {
  t = await createTestApp({ env: { OPERATOR_ID_NAT_PS: `${DGS},${ARS_NA}:75` } });
  dgs = await signIn(t, t.professionals.find((p) => p.idNatPs === DGS)!);
  ars = await signIn(t, t.professionals.find((p) => p.idNatPs === ARS_NA)!);
  await pro('pharmacistBordeaux', [{ profession: '21', postcode: '33000', email: 'pharma.bordeaux@test.example' }]);
  await pro('pharmacistLyon', [{ profession: '21', postcode: '69004', email: 'pharma.lyon@test.example' }]);
  await pro('nurseBordeaux', [{ profession: '60', postcode: '33800', email: 'ide.bordeaux@test.example' }]);
  // Two exercices: a doctor in Bordeaux (by INSEE commune code) and a pharmacist in Lyon.
  await pro('twoExercices', [
    { profession: '10', communeCode: '33063', email: 'double@test.example' },
    { profession: '21', postcode: '69007' },
  ]);
  await pro('pharmacistAjaccio', [{ profession: '21', postcode: '20000' }]);
  await pro('pharmacistBastia', [{ profession: '21', postcode: '20200' }]);
  await pro('nurseMartinique', [{ profession: '60', postcode: '97200', email: 'ide.martinique@test.example' }]);
  await pro('nurseCedex', [{ profession: '60', postcode: '33076' }]);
  await pro('noAddress', [{ profession: '21' }]);
});
afterAll(async () => {
  await t?.close();
});

describe('who a message reaches', () => {
  it('records each exercice’s department and region at sign-in, Corsica, overseas and CEDEX included', async () => {
    const zones = await t.database.db
      .selectFrom('professional_zones as z')
      .innerJoin('professionals as p', 'p.id', 'z.professional_id')
      .select(['p.family_name', 'z.profession', 'z.department', 'z.region'])
      .where('p.family_name', 'like', 'TEST-%')
      .orderBy('p.family_name')
      .orderBy('z.profession')
      .execute();
    const of = (name: string) => zones.filter((z) => z.family_name === `TEST-${name.toUpperCase()}`).map((z) => `${z.profession}:${z.department}:${z.region}`);
    expect(of('pharmacistBordeaux')).toEqual(['21:33:75']);
    expect(of('twoExercices')).toEqual(['10:33:75', '21:69:84']);
    expect(of('pharmacistAjaccio')).toEqual(['21:2A:94']);
    expect(of('pharmacistBastia')).toEqual(['21:2B:94']);
    expect(of('nurseMartinique')).toEqual(['60:972:02']);
    expect(of('nurseCedex')).toEqual(['60:33:75']);
    expect(of('noAddress')).toEqual(['21::']);
    const email = await t.database.db.selectFrom('professionals').select('email').where('family_name', '=', 'TEST-PHARMACISTBORDEAUX').executeTakeFirstOrThrow();
    expect(email.email).toBe('pharma.bordeaux@test.example');
  });

  it('targets profession × zone pairs: pharmacists of Nouvelle-Aquitaine', async () => {
    const preview = await t.app.inject({ method: 'POST', url: '/api/messages/preview', headers: dgs.headers, payload: content() });
    expect(preview.statusCode, preview.body).toBe(200);
    const reach = preview.json<MessagePreview>().reach;
    // The ARS operator is a pharmacist working in Bordeaux (a CEDEX postcode): reached too.
    expect(reach.total).toBe(2);
    expect(reach.withEmail).toBe(1);
    expect(reach.byProfession).toEqual([{ key: '21', label: 'Pharmacien', count: 2 }]);
    expect(reach.byZone).toEqual([{ key: '33', label: 'Gironde (33)', count: 2 }]);

    const message = await publish(dgs, content());
    expect(message.reference).toMatch(/^DGS-URGENT N°\d{4}_\d{2}$/);
    expect(await inboxIds(pros.pharmacistBordeaux!)).toContain(message.id);
    for (const name of ['pharmacistLyon', 'nurseBordeaux', 'twoExercices', 'pharmacistAjaccio', 'nurseMartinique', 'noAddress']) {
      expect(await inboxIds(pros[name]!), name).not.toContain(message.id);
    }
  });

  it('reaches a professional through either of two exercices', async () => {
    const doctors33 = await publish(dgs, content({ professions: ['10'], zone: { national: false, regions: [], departments: ['33'] } }));
    const pharmacistsRhone = await publish(dgs, content({ professions: ['21'], zone: { national: false, regions: [], departments: ['69'] } }));
    const ids = await inboxIds(pros.twoExercices!);
    expect(ids).toEqual(expect.arrayContaining([doctors33.id, pharmacistsRhone.id]));
    expect(await inboxIds(pros.pharmacistLyon!)).toContain(pharmacistsRhone.id);
    expect(await inboxIds(pros.pharmacistLyon!)).not.toContain(doctors33.id);
  });

  it('gets Corsica and overseas right: 2A, region 94, Martinique', async () => {
    const southCorsica = await publish(dgs, content({ zone: { national: false, regions: [], departments: ['2A'] } }));
    const corsica = await publish(dgs, content({ zone: { national: false, regions: ['94'], departments: [] } }));
    const martinique = await publish(dgs, content({ professions: ['60', '69'], zone: { national: false, regions: ['02'], departments: [] } }));
    expect(await inboxIds(pros.pharmacistAjaccio!)).toEqual(expect.arrayContaining([southCorsica.id, corsica.id]));
    expect(await inboxIds(pros.pharmacistBastia!)).toContain(corsica.id);
    expect(await inboxIds(pros.pharmacistBastia!)).not.toContain(southCorsica.id);
    expect(await inboxIds(pros.nurseMartinique!)).toContain(martinique.id);
    expect(await inboxIds(pros.nurseBordeaux!)).not.toContain(martinique.id);
  });

  it('reaches everyone with a national message to all professions, even without a known address', async () => {
    const all = await publish(dgs, content({ professions: null, zone: { national: true, regions: [], departments: [] }, kind: 'information', priority: 'normal' }));
    for (const session of Object.values(pros)) expect(await inboxIds(session)).toContain(all.id);
  });
});

describe('regional operators', () => {
  it('write to their own region only, in their own series', async () => {
    const inside = await publish(ars, content({ zone: { national: false, regions: [], departments: ['33', '64'] } }));
    expect(inside.reference).toMatch(/^ARS Nouvelle-Aquitaine N°\d{4}_01$/);
    for (const zone of [
      { national: true, regions: [], departments: [] },
      { national: false, regions: ['84'], departments: [] },
      { national: false, regions: ['75'], departments: ['69'] },
    ]) {
      const refused = await t.app.inject({ method: 'POST', url: '/api/messages', headers: ars.headers, payload: content({ zone }) });
      expect(refused.statusCode, JSON.stringify(zone)).toBe(403);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe('MESSAGES_ZONE_OUT_OF_SCOPE');
    }
  });

  it('neither see nor change a national message', async () => {
    const national = await publish(dgs, content());
    const seen = await t.app.inject({ method: 'GET', url: `/api/messages/${national.id}`, headers: { cookie: ars.cookie } });
    expect(seen.statusCode).toBe(403);
    const withdrawn = await t.app.inject({ method: 'POST', url: `/api/messages/${national.id}/withdraw`, headers: ars.headers, payload: { reason: 'Erreur' } });
    expect(withdrawn.statusCode).toBe(403);
    const list = await t.app.inject({ method: 'GET', url: '/api/messages', headers: { cookie: ars.cookie } });
    expect(list.json<{ messages: Array<{ id: string }> }>().messages.map((m) => m.id)).not.toContain(national.id);
  });

  it('refuses professionals who are not operators', async () => {
    const refused = await t.app.inject({ method: 'POST', url: '/api/messages', headers: pros.pharmacistBordeaux!.headers, payload: content() });
    expect(refused.statusCode).toBe(403);
  });
});

describe('versions and acknowledgement', () => {
  it('numbers per series and year, keeps the old version on correction, and asks to acknowledge the new one', async () => {
    const first = await publish(dgs, content({ title: 'Premier' }));
    const second = await publish(dgs, content({ title: 'Second' }));
    const number = (reference: string | null) => Number(reference!.split('_')[1]);
    expect(number(second.reference)).toBe(number(first.reference) + 1);

    const bordeaux = pros.pharmacistBordeaux!;
    const ack1 = await t.app.inject({ method: 'POST', url: `/api/inbox/${second.id}/acknowledge`, headers: bordeaux.headers, payload: { version: 1 } });
    expect(ack1.statusCode, ack1.body).toBe(200);
    expect((await inbox(bordeaux)).messages.find((m) => m.id === second.id)!.acknowledgedAt).not.toBeNull();

    const corrected = await t.app.inject({
      method: 'POST',
      url: `/api/messages/${second.id}/corrections`,
      headers: dgs.headers,
      payload: { content: content({ title: 'Second (rectifié)' }), note: 'La durée de validité est de 12 heures, non 24.' },
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    const detail = corrected.json<MessageDetail>();
    expect(detail.version).toBe(2);
    expect(detail.reference).toBe(second.reference);
    expect(detail.versions.map((v) => [v.version, v.title])).toEqual([
      [1, 'Second'],
      [2, 'Second (rectifié)'],
    ]);

    // The same content again: refused, nobody e-mailed or asked to acknowledge again.
    const unchanged = await t.app.inject({
      method: 'POST',
      url: `/api/messages/${second.id}/corrections`,
      headers: dgs.headers,
      payload: { content: content({ title: 'Second (rectifié)' }), note: 'Rien de neuf.' },
    });
    expect(unchanged.statusCode).toBe(409);
    expect(unchanged.json().error.code).toBe('MESSAGES_CORRECTION_UNCHANGED');

    const entry = (await inbox(bordeaux)).messages.find((m) => m.id === second.id)!;
    expect(entry).toMatchObject({ version: 2, corrected: true, acknowledgedAt: null, readAt: null });
    const stale = await t.app.inject({ method: 'POST', url: `/api/inbox/${second.id}/acknowledge`, headers: bordeaux.headers, payload: { version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json<{ error: { code: string } }>().error.code).toBe('MESSAGES_VERSION_STALE');
    const opened = await t.app.inject({ method: 'GET', url: `/api/inbox/${second.id}`, headers: { cookie: bordeaux.cookie } });
    expect(opened.json<InboxMessage>()).toMatchObject({ title: 'Second (rectifié)', correctionNote: 'La durée de validité est de 12 heures, non 24.' });
    const ack2 = await t.app.inject({ method: 'POST', url: `/api/inbox/${second.id}/acknowledge`, headers: bordeaux.headers, payload: { version: 2 } });
    expect(ack2.statusCode).toBe(200);

    const audit = await t.database.db.selectFrom('audit_log').select(['action']).where('target_id', '=', second.id).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['messages.draft', 'messages.publish', 'messages.acknowledge', 'messages.correct', 'messages.acknowledge']);
  });

  it('refuses with a 412 a change based on a revision someone else changed since, and stores nothing of it', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/messages', headers: dgs.headers, payload: content({ title: 'Brouillon partagé' }) });
    const draft = created.json<MessageDetail>();
    expect(created.headers.etag).toBe(`"${draft.revision}"`);
    const read = await t.app.inject({ method: 'GET', url: `/api/messages/${draft.id}`, headers: { cookie: dgs.cookie } });
    expect(read.headers.etag).toBe(created.headers.etag);

    // Two operators opened the same draft; the first saves.
    const first = await t.app.inject({
      method: 'PUT',
      url: `/api/messages/${draft.id}`,
      headers: { ...dgs.headers, 'if-match': created.headers.etag as string },
      payload: content({ title: 'Version de la première' }),
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<MessageDetail>().revision).toBe(draft.revision + 1);
    expect(first.headers.etag).toBe(`"${draft.revision + 1}"`);

    // The second saves, publishes or withdraws from what they read: refused, the first's text kept.
    const stale = { ...dgs.headers, 'if-match': created.headers.etag as string };
    for (const [method, url, payload] of [
      ['PUT', `/api/messages/${draft.id}`, content({ title: 'Version de la seconde' })],
      ['POST', `/api/messages/${draft.id}/publish`, undefined],
      ['POST', `/api/messages/${draft.id}/withdraw`, { reason: 'Doublon' }],
    ] as const) {
      const refused = await t.app.inject({ method, url, headers: stale, ...(payload ? { payload } : {}) });
      expect(refused.statusCode, url).toBe(412);
      expect(refused.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'MESSAGES_CHANGED', message: expect.stringContaining('modifié par une autre personne') });
    }
    const kept = (await t.app.inject({ method: 'GET', url: `/api/messages/${draft.id}`, headers: { cookie: dgs.cookie } })).json<MessageDetail>();
    expect(kept).toMatchObject({ status: 'draft', title: 'Version de la première', revision: draft.revision + 1 });

    // Weak form, a list and "*" name the current revision; no If-Match, no condition.
    const published = await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/publish`, headers: { ...dgs.headers, 'if-match': `"999", W/"${kept.revision}"` } });
    expect(published.statusCode, published.body).toBe(200);
    const corrected = await t.app.inject({
      method: 'POST',
      url: `/api/messages/${draft.id}/corrections`,
      headers: { ...dgs.headers, 'if-match': '*' },
      payload: { content: content({ title: 'Rectifiée' }), note: 'Titre.' },
    });
    expect(corrected.statusCode, corrected.body).toBe(200);
    const withdrawn = await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/withdraw`, headers: dgs.headers, payload: { reason: 'Fin' } });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json<MessageDetail>().revision).toBe(kept.revision + 3);
    const actions = await t.database.db.selectFrom('audit_log').select(['action']).where('target_id', '=', draft.id).orderBy('id').execute();
    expect(actions.map((a) => a.action)).toEqual(['messages.draft', 'messages.draft_update', 'messages.publish', 'messages.correct', 'messages.withdraw']);
  });

  it('counts reads and acknowledgements in the follow-up, and lists unread first', async () => {
    const message = await publish(dgs, content({ title: 'Suivi' }));
    const bordeaux = pros.pharmacistBordeaux!;
    expect((await inbox(bordeaux)).messages[0]!.readAt).toBeNull();
    const read = await t.app.inject({ method: 'POST', url: `/api/inbox/${message.id}/read`, headers: bordeaux.headers, payload: { version: 1 } });
    expect(read.json<{ readAt: string | null; acknowledgedAt: string | null }>()).toMatchObject({ acknowledgedAt: null });
    await t.app.inject({ method: 'POST', url: `/api/inbox/${message.id}/acknowledge`, headers: bordeaux.headers, payload: { version: 1 } });
    const followUp = (await t.app.inject({ method: 'GET', url: `/api/messages/${message.id}/follow-up`, headers: { cookie: dgs.cookie } })).json<FollowUp>();
    expect(followUp.total).toMatchObject({ reached: 2, emailed: 1, read: 1, acknowledged: 1 });
    expect(followUp.byZone).toEqual([expect.objectContaining({ key: '33', reached: 2, acknowledged: 1 })]);
    const csv = await t.app.inject({ method: 'GET', url: `/api/messages/${message.id}/follow-up.csv`, headers: { cookie: dgs.cookie } });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe('dimension,code,libelle,atteints,courriels,remis,echecs,incertains,lus,pris_connaissance');
    expect(csv.body).toContain('total,total,Total,2,1,0,0,0,1,1');
    const ofVersion = await t.app.inject({ method: 'GET', url: `/api/messages/${message.id}/follow-up?version=1`, headers: { cookie: dgs.cookie } });
    expect(ofVersion.statusCode, ofVersion.body).toBe(200);
    const csvOfVersion = await t.app.inject({ method: 'GET', url: `/api/messages/${message.id}/follow-up.csv?version=1`, headers: { cookie: dgs.cookie } });
    expect(csvOfVersion.statusCode).toBe(200);
    const noSuchVersion = await t.app.inject({ method: 'GET', url: `/api/messages/${message.id}/follow-up?version=abc`, headers: { cookie: dgs.cookie } });
    expect(noSuchVersion.statusCode).toBe(400);

    const ordered = (await inbox(bordeaux)).messages;
    const firstRead = ordered.findIndex((m) => m.readAt !== null);
    expect(ordered.slice(firstRead).every((m) => m.readAt !== null)).toBe(true);
  });

  it('refuses to acknowledge an information message, and a message not addressed to you', async () => {
    const info = await publish(dgs, content({ kind: 'information' }));
    const refused = await t.app.inject({ method: 'POST', url: `/api/inbox/${info.id}/acknowledge`, headers: pros.pharmacistBordeaux!.headers, payload: { version: 1 } });
    expect(refused.statusCode).toBe(409);
    const other = await t.app.inject({ method: 'GET', url: `/api/inbox/${info.id}`, headers: { cookie: pros.pharmacistLyon!.cookie } });
    expect(other.statusCode).toBe(404);
    // A version no message can have is malformed, not "corrected since".
    const absurd = await t.app.inject({ method: 'POST', url: `/api/inbox/${info.id}/read`, headers: { ...pros.pharmacistBordeaux!.headers, 'content-type': 'application/json' }, payload: '{"version":1e308}' });
    expect(absurd.statusCode).toBe(400);
    expect(absurd.json().error.code).toBe('REQUEST_INVALID');
  });

  it('answers the same inbox with a 304 to its ETag', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/api/inbox', headers: { cookie: pros.nurseBordeaux!.cookie } });
    const etag = first.headers.etag as string;
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const again = await t.app.inject({ method: 'GET', url: '/api/inbox', headers: { cookie: pros.nurseBordeaux!.cookie, 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    // No body, and no length of one: HTTP clients (undici among them) reject a 304 claiming one.
    expect(again.body).toBe('');
    expect(again.headers['content-length']).toBeUndefined();
    // As a proxy that compresses may send it back: weak, in a list.
    const weak = await t.app.inject({ method: 'GET', url: '/api/inbox', headers: { cookie: pros.nurseBordeaux!.cookie, 'if-none-match': `"other", W/${etag}` } });
    expect(weak.statusCode).toBe(304);
  });

  it('gives the feed titles as escaped text, whatever they contain', async () => {
    await publish(dgs, content({ title: 'Enfants <5 ans & <script>x</script>' }));
    const feed = await t.app.inject({ method: 'GET', url: '/dgs-urgent.atom' });
    expect(feed.body).toContain('Enfants &lt;5 ans &amp; &lt;script&gt;x&lt;/script&gt;');
    expect(feed.body).not.toContain('<script>');
  });

  it('keeps the message in the inbox of one who moved since it was published (the e-mail asks them to acknowledge it)', async () => {
    const mover = createProfessional(t, { workplaces: [{ profession: '21', postcode: '17000' }] });
    await signIn(t, mover);
    const message = await publish(dgs, content({ zone: { national: false, regions: [], departments: ['17'] } }));
    mover.exercices[0]!.activities[0]!.codePostalCoordStructure = '75011';
    const moved = await signIn(t, mover);
    expect(await inboxIds(moved)).toContain(message.id);
    const ack = await t.app.inject({ method: 'POST', url: `/api/inbox/${message.id}/acknowledge`, headers: moved.headers, payload: { version: 1 } });
    expect(ack.statusCode).toBe(200);
  });

  it('takes a withdrawn message out of inboxes and off the public list; its public address tells it was withdrawn, when and why', async () => {
    const message = await publish(dgs, content({ title: 'À retirer' }));
    const publicBefore = (await t.app.inject({ method: 'GET', url: '/api/public/messages' })).json<PublicMessageList>();
    expect(publicBefore.messages.map((m) => m.id)).toContain(message.id);
    const withdrawn = await t.app.inject({ method: 'POST', url: `/api/messages/${message.id}/withdraw`, headers: dgs.headers, payload: { reason: 'Publié par erreur' } });
    expect(withdrawn.json<MessageDetail>().status).toBe('withdrawn');
    expect(await inboxIds(pros.pharmacistBordeaux!)).not.toContain(message.id);
    const publicAfter = (await t.app.inject({ method: 'GET', url: '/api/public/messages' })).json<PublicMessageList>();
    expect(publicAfter.messages.map((m) => m.id)).not.toContain(message.id);
    const feed = await t.app.inject({ method: 'GET', url: '/dgs-urgent.atom' });
    expect(feed.headers['content-type']).toContain('application/atom+xml');
    expect(feed.body).toContain('<feed');
    expect(feed.body).not.toContain('À retirer');
    const trace = await t.app.inject({ method: 'GET', url: `/api/public/messages/${message.id}` });
    expect(trace.statusCode).toBe(410);
    expect(trace.json().error).toMatchObject({
      code: 'MESSAGES_WITHDRAWN_PUBLIC',
      details: { reference: message.reference, reason: 'Publié par erreur', withdrawnAt: withdrawn.json<MessageDetail>().withdrawnAt },
    });
  });
});

describe('bad input', () => {
  const count = async () => Number((await t.database.db.selectFrom('messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it.each([
    ['an oversized body', { body: 'x'.repeat(20_001) }, 400, 'REQUEST_INVALID'],
    ['a script in the Markdown', { body: 'Bonjour <script>alert(1)</script>' }, 400, 'MESSAGES_BODY_HTML'],
    ['an HTML tag', { body: 'Texte <img src=x onerror=alert(1)>' }, 400, 'MESSAGES_BODY_HTML'],
    ['a javascript: link', { body: '[cliquez](javascript:alert(1))' }, 400, 'MESSAGES_BODY_LINK'],
    ['an image', { body: '![x](https://example.org/x.png)' }, 400, 'MESSAGES_BODY_IMAGE'],
    ['an unknown profession', { professions: ['99'] }, 400, 'MESSAGES_PROFESSION_UNKNOWN'],
    ['an unknown department', { zone: { national: false, regions: [], departments: ['96'] } }, 400, 'MESSAGES_ZONE_UNKNOWN'],
    ['a malformed department', { zone: { national: false, regions: [], departments: ['Gironde'] } }, 400, 'REQUEST_INVALID'],
    ['national and departments at once', { zone: { national: true, regions: [], departments: ['33'] } }, 400, 'MESSAGES_ZONE_INVALID'],
    ['no zone', { zone: { national: false, regions: [], departments: [] } }, 400, 'MESSAGES_ZONE_INVALID'],
    ['an expiry in the past', { expiresAt: '2020-01-01T00:00:00Z' }, 400, 'MESSAGES_EXPIRY_INVALID'],
    ['an attachment of another message', { attachmentIds: ['00000000-0000-4000-8000-000000000000'] }, 400, 'MESSAGES_ATTACHMENT_UNKNOWN'],
    ['a blank title', { title: '   ' }, 400, 'REQUEST_INVALID'],
    ['a NUL in the body', { body: 'Texte\u0000caché' }, 400, 'REQUEST_INVALID'],
    // XML forbids them: the Atom feed would no longer parse.
    ['U+FFFF in the title', { title: 'Essai \uFFFF' }, 400, 'REQUEST_INVALID'],
    ['U+FFFE in the body', { body: 'Essai \uFFFE' }, 400, 'REQUEST_INVALID'],
    ['a title of a zero-width space alone', { title: '\u200b\u200b' }, 400, 'REQUEST_INVALID'],
    ['quotes nested 2,000 deep', { body: `${'>'.repeat(2000)} x` }, 400, 'MESSAGES_BODY_TOO_DEEP'],
    ['emphasis nested 10,000 deep', { body: `${'*'.repeat(9999)}a${'*'.repeat(9999)}` }, 400, 'MESSAGES_BODY_TOO_DEEP'],
  ])('refuses %s with a clear 4xx and stores nothing', async (_name, overrides, status, code) => {
    const before = await count();
    const response = await t.app.inject({ method: 'POST', url: '/api/messages', headers: dgs.headers, payload: content(overrides) });
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json<{ error: { code: string; message: string } }>().error.code).toBe(code);
    expect(await count()).toBe(before);
  });

  it('renders allowed Markdown and sanitises it', async () => {
    const preview = await t.app.inject({
      method: 'POST',
      url: '/api/messages/preview',
      headers: dgs.headers,
      payload: content({ body: '## Consignes\n\n- **Tester**\n- voir [le site](https://sante.gouv.fr)\n\n| a | b |\n|---|---|\n| 1 | 2 |' }),
    });
    const html = preview.json<MessagePreview>().bodyHtml;
    expect(html).toContain('<h2>Consignes</h2>');
    expect(html).toContain('<a href="https://sante.gouv.fr" rel="noopener noreferrer nofollow">le site</a>');
    expect(html).toContain('<table>');
  });

  it('accepts PDF attachments only, and publishes them with the message', async () => {
    const draft = (await t.app.inject({ method: 'POST', url: '/api/messages', headers: dgs.headers, payload: content() })).json<MessageDetail>();
    const notPdf = await t.app.inject({
      method: 'POST',
      url: `/api/messages/${draft.id}/attachments?filename=note.pdf`,
      headers: { ...dgs.headers, 'content-type': 'application/pdf' },
      payload: Buffer.from('<html>pas un PDF</html>'),
    });
    expect(notPdf.statusCode).toBe(415);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const uploaded = await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/attachments?filename=Fiche%20conduite.pdf`, headers: { ...dgs.headers, 'content-type': 'application/pdf' }, payload: pdf });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    const attachment = uploaded.json<{ id: string; url: string; bytes: number }>();
    expect(attachment.bytes).toBe(pdf.length);
    // Not public while a draft.
    expect((await t.app.inject({ method: 'GET', url: attachment.url })).statusCode).toBe(404);
    await t.app.inject({ method: 'PUT', url: `/api/messages/${draft.id}`, headers: dgs.headers, payload: content({ attachmentIds: [attachment.id] }) });
    await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/publish`, headers: dgs.headers });
    const downloaded = await t.app.inject({ method: 'GET', url: attachment.url });
    expect(downloaded.statusCode).toBe(200);
    expect(downloaded.headers['content-type']).toBe('application/pdf');
    expect(Buffer.from(downloaded.rawPayload).equals(pdf)).toBe(true);
    const republished = await t.app.inject({ method: 'PUT', url: `/api/messages/${draft.id}`, headers: dgs.headers, payload: content() });
    expect(republished.statusCode).toBe(409);

    // A correction that drops it (the wrong file): no longer public, still there for the operators.
    const corrected = await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/corrections`, headers: dgs.headers, payload: { content: content(), note: 'Mauvaise fiche jointe.' } });
    expect(corrected.statusCode, corrected.body).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: attachment.url })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: attachment.url, headers: { cookie: dgs.cookie } })).statusCode).toBe(200);
    // Listed again, public again; withdrawn, no longer.
    await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/corrections`, headers: dgs.headers, payload: { content: content({ attachmentIds: [attachment.id] }), note: 'Fiche remise.' } });
    expect((await t.app.inject({ method: 'GET', url: attachment.url })).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: `/api/messages/${draft.id}/withdraw`, headers: dgs.headers, payload: { reason: 'Fin' } });
    expect((await t.app.inject({ method: 'GET', url: attachment.url })).statusCode).toBe(404);
  });
});
