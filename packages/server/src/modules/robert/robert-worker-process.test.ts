import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ntpSeconds, Phone, type RobertApi } from '@prostopcovid/phone';
import { addDays, parisDate } from '../../platform/dates.js';
import { startChild, type ChildServer } from '../../testing/processes.js';
import { createProfessional, createTestApp, declare, issueTestCode, robertApi, signIn, type TestApp } from '../../testing/test-app.js';

const url = process.env.TEST_DATABASE_URL;

// Worker processes share the queue through PostgreSQL; PGlite is one process's own database.
describe.skipIf(!url)('npm run worker:robert on PostgreSQL', () => {
  let t: TestApp;
  let api: RobertApi;
  const workers: ChildServer[] = [];

  beforeAll(async () => {
    t = await createTestApp({ env: { CODE_ISSUE_LIMIT_PER_HOUR: '1000', REDEEM_LIMIT_PER_ADDRESS: '100000' } });
    api = robertApi(t.app);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await t?.close();
  });

  it('two worker processes take each queued report exactly once', async () => {
    const now = () => ntpSeconds(t.clock.now());
    const doctor = await signIn(t, createProfessional(t, { profession: '10' }));
    const contact = await Phone.register(api, now());
    for (let i = 0; i < 6; i++) {
      const kase = await Phone.register(api, now());
      for (let at = now() - 30 * 60; at <= now(); at += 10) kase.hear((await contact.hello(at))!, at, -50);
      const code = await issueTestCode(t.app, doctor);
      const declared = (await declare(t.app, code, { kind: 'symptoms', date: addDays(parisDate(t.clock.now()), -1) })).json<{ uploadToken: string; window: { from: string; to: string } }>();
      await kase.report(api, declared.uploadToken, declared.window, now());
    }
    const db = t.database.db;
    const queued = async () => (await db.selectFrom('robert_reports').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n;
    expect(await queued()).toBe(6);

    const databaseUrl = new URL(url!);
    databaseUrl.searchParams.set('options', `-c search_path=${t.database.schema}`);
    for (let i = 0; i < 2; i++) {
      workers.push(
        await startChild({
          name: `robert-worker-${i}`,
          script: 'packages/server/src/robert-worker.ts',
          env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl.href, KEYS_DIR: t.config.keysDir, NODE_ENV: 'test', LOG_LEVEL: 'info', WORKER_LOOPS: '2' },
          readyMarker: 'robert report workers started',
        }),
      );
    }
    await expect.poll(queued, { timeout: 20_000, interval: 200 }).toBe(0);
    const reports = await db.selectFrom('robert_counters').select(sql<number>`sum(value)::int`.as('n')).where('name', '=', 'reports').executeTakeFirstOrThrow();
    expect(reports.n).toBe(6);
    // Six cases met the same contact: one registration at risk, its exposures summed once per report.
    expect((await contact.checkStatus(api, now())).riskLevel).toBe(4);
    const output = workers.map((w) => w.output()).join('\n');
    expect(output).not.toMatch(/"level":50/);
  });
});
