import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    routes: (app) => {
      app.post('/api/test/public-echo', { config: { auth: 'public' } }, async (request) => ({ received: request.body }));
      app.get('/api/test/boom', { config: { auth: 'public' } }, async () => {
        throw new Error('secret internal detail');
      });
    },
  });
});
afterAll(() => t?.close());

describe('operations endpoints', () => {
  it('answers /healthz and /readyz with the database kind', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().database).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
  });

  it('exposes Prometheus metrics counting requests', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(metrics.body).toContain('prostopcovid_process_cpu_seconds_total');
  });
});

describe('API documentation', () => {
  it('describes the app API as OpenAPI at /docs', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const body = spec.json();
    expect(body.openapi).toMatch(/^3\./);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/app/v1/declarations', '/api/robert/v1/report', '/api/codes']));
    expect(body.paths['/api/app/v1/declarations'].post.tags).toEqual(['app']);
    expect((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});

describe('error handling', () => {
  it('answers unknown routes with a JSON 404 in French', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toMatchObject({ code: 'NOT_FOUND', message: "Cette ressource n'existe pas." });
  });

  it('answers malformed JSON and unsupported media with 4xx', async () => {
    const malformed = await t.app.inject({ method: 'POST', url: '/api/test/public-echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('REQUEST_INVALID');
    const xml = await t.app.inject({ method: 'POST', url: '/api/test/public-echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(xml.statusCode).toBe(415);
    const huge = await t.app.inject({ method: 'POST', url: '/api/test/public-echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(huge.statusCode).toBe(413);
  });

  it('answers malformed URLs through the catalogue', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/%' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('REQUEST_INVALID');
  });

  it('hides internals of a 500 and gives the request id', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/test/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internal detail');
    expect(response.json().error.requestId).toBe(response.headers['x-request-id']);
  });
});
