import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { professionals, startPscSandbox, type RunningSandbox } from '@prostopcovid/psc-sandbox';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverEnv, signIn, type Session } from '../../bench/shared.js';
import { freePort, startChild, type ChildServer } from '../testing/processes.js';

// Two real server processes on one PostgreSQL database behind a real HAProxy on 127.0.0.1, as
// the README's scale-out section deploys them. Needs PostgreSQL (TEST_DATABASE_URL, as in CI)
// and Debian's haproxy package (CI installs it); skipped otherwise, since a fresh machine has neither.
const ADMIN_URL = process.env.TEST_DATABASE_URL;
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((path) => existsSync(path));

const ACTS = 150;
const CONCURRENCY = 8;
const KILL_AFTER = 40;

describe.skipIf(!ADMIN_URL || !HAPROXY)('two server processes behind HAProxy (needs TEST_DATABASE_URL and haproxy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prostopcovid-scale-'));
  const database = `t_scale_${randomBytes(6).toString('hex')}`;
  let sandbox: RunningSandbox;
  let a: ChildServer;
  let b: ChildServer;
  let haproxy: ChildProcess;
  let base: string;
  let databaseUrl: string;

  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin((client) => client.query(`create database ${database}`));
    const url = new URL(ADMIN_URL!);
    url.pathname = `/${database}`;
    databaseUrl = url.href;
    const [frontPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    base = `http://127.0.0.1:${frontPort}`;
    const client = { client_id: 'prostopcovid-scale', client_secret: randomBytes(24).toString('base64url') };
    sandbox = await startPscSandbox({ port: 0, host: '127.0.0.1', professionals, clients: [{ ...client, redirect_uris: [`${base}/auth/callback`], post_logout_redirect_uris: [`${base}/`] }] });
    const shared = {
      DATABASE_URL: databaseUrl,
      KEYS_DIR: join(dir, 'keys'),
      PUBLIC_URL: base,
      TRUST_PROXY: '127.0.0.1',
      ROBERT_WORKERS: '0',
      DCC_TRUST_LIST_CACHE_FILE: join(dir, 'trust-list.json'),
    };
    const env = serverEnv({ port: portA, issuer: sandbox.issuer, client }, shared);
    // One after the other: the first creates the development keys both then use.
    a = await startChild({ name: 'server A', script: 'packages/server/src/main.ts', env: { ...env, PORT: String(portA) }, readyMarker: 'ProStopCovid est prêt' });
    b = await startChild({ name: 'server B', script: 'packages/server/src/main.ts', env: { ...env, PORT: String(portB) }, readyMarker: 'ProStopCovid est prêt' });

    const config = join(dir, 'haproxy.cfg');
    writeFileSync(
      config,
      [
        'global',
        '  maxconn 1000',
        'defaults',
        '  mode http',
        '  timeout connect 1s',
        '  timeout client 30s',
        '  timeout server 30s',
        '  option forwardfor',
        '  option redispatch',
        '  retries 3',
        '  retry-on conn-failure empty-response response-timeout',
        'frontend front',
        `  bind 127.0.0.1:${frontPort}`,
        '  default_backend servers',
        'backend servers',
        '  balance roundrobin',
        '  option httpchk GET /healthz',
        `  server a 127.0.0.1:${portA} check inter 300ms fall 2 rise 2`,
        `  server b 127.0.0.1:${portB} check inter 300ms fall 2 rise 2`,
        '',
      ].join('\n'),
    );
    haproxy = spawn(HAPROXY!, ['-db', '-f', config], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error('HAProxy never answered');
      await pause(100);
    }
  }, 120_000);

  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    await a?.stop();
    await b?.stop();
    await sandbox?.close();
    await admin((client) => client.query(`drop database if exists ${database} with (force)`));
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('one process killed (kill -9) under a load of acts: every act stored exactly once, none lost, through the survivor', { timeout: 180_000 }, async () => {
    const session: Session = await signIn(base, '899700100003'); // the sandbox's pharmacist
    const now = Date.now();
    const acts = Array.from({ length: ACTS }, (_, i) => ({
      key: randomUUID(),
      body: {
        retrievalCode: `BCDE-FGHJ-${String(i).padStart(4, '0')}`,
        capturedAt: new Date(now - 3_600_000).toISOString(),
        patient: { familyName: 'Martin', givenName: 'Léa', birthDate: '1990-07-01', sex: 'F' },
        testType: 'antigen',
        sampledAt: new Date(now - 3_660_000).toISOString(),
        result: 'not-detected',
        deviceId: '1232',
        place: 'Pharmacie du Port, Brest',
      },
    }));
    const stored = new Map<string, string>();
    let retries = 0;
    let killedWhileInFlight = 0;
    let inFlight = 0;

    // As the portal's outbox does: the same Idempotency-Key until an answer says it is stored.
    const deliver = async (act: (typeof acts)[number]): Promise<void> => {
      for (let attempt = 0; attempt < 30; attempt++) {
        inFlight++;
        const response = await fetch(`${base}/api/tests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'idempotency-key': act.key },
          body: JSON.stringify(act.body),
          signal: AbortSignal.timeout(20_000),
        }).catch(() => undefined);
        inFlight--;
        if (response && (response.status === 200 || response.status === 201)) {
          stored.set(act.key, ((await response.json()) as { id: string }).id);
          return;
        }
        if (response && ![502, 503, 504].includes(response.status)) throw new Error(`act refused: ${response.status} ${await response.text()}`);
        await response?.body?.cancel();
        retries++;
        await pause(200);
      }
      throw new Error('act never stored');
    };

    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < acts.length) {
          const act = acts[next++]!;
          await deliver(act);
          if (!killed && stored.size >= KILL_AFTER) {
            killed = true;
            killedWhileInFlight = inFlight;
            process.kill(a.pid, 'SIGKILL');
          }
        }
      }),
    );

    expect(killed).toBe(true);
    expect(killedWhileInFlight).toBeGreaterThan(0);
    expect(stored.size).toBe(ACTS);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ id: string; idempotency_key: string }>('select id, idempotency_key from test_results').finally(() => db.end());
    // Exactly once: one row per act, the very row each act's answer named, and nothing else.
    expect(rows).toHaveLength(ACTS);
    for (const row of rows) expect(stored.get(row.idempotency_key)).toBe(row.id);
    // The survivor answered for both once A was gone (some requests had to be retried or redispatched).
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    console.log(`scale-out: ${ACTS} acts, ${retries} retried by the client, ${killedWhileInFlight} in flight when A was killed`);
  });
});
