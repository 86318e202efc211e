import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing/test-app.js';

let t: TestApp;
let port: number;
const logLines: string[] = [];

beforeAll(async () => {
  t = await createTestApp({ env: { LOG_LEVEL: 'info' }, logStream: { write: (line: string) => void logLines.push(line) } });
  port = Number(new URL(await t.app.listen({ host: '127.0.0.1', port: 0 })).port);
});
afterAll(() => t?.close());

/** Raw bytes to the server, as a client that does not speak HTTP properly: the whole answer. */
function sendRaw(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const SECRET = 'Héloïse CONFIDENTIELLE 1964-08-19';

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['raw non-ASCII bytes in the path', Buffer.concat([Buffer.from('GET /api/public/messages/'), Buffer.from([0xc3, 0xa9]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]), 400, 'REQUEST_INVALID'],
    ['a NUL in a header', Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Patient: ${SECRET}\u0000\r\n\r\n`), 400, 'REQUEST_INVALID'],
    ['Content-Length with Transfer-Encoding', Buffer.from(`POST /api/tests HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`), 400, 'REQUEST_INVALID'],
    ['a bad chunk size', Buffer.from(`POST /api/tests HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${SECRET}\r\n0\r\n\r\n`), 400, 'REQUEST_INVALID'],
    ['headers over 16 KB', Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: ${'a'.repeat(20_000)}\r\n\r\n`), 431, 'REQUEST_HEADERS_TOO_LARGE'],
  ])('%s: the catalogue’s answer in French, with a request id and the security headers, and a log line without the bytes', async (_name, bytes, status, code) => {
    const answer = await sendRaw(bytes);
    const [head, body] = answer.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toMatch(/^x-content-type-options: nosniff$/im);
    expect(head).toMatch(/^cache-control: no-store$/im);
    const requestId = /^x-request-id: (\S+)$/im.exec(head)?.[1];
    const error = (JSON.parse(body) as { error: { code: string; message: string; requestId: string } }).error;
    expect(error).toMatchObject({ code, requestId });
    expect(error.message).toMatch(/requête/);
    const line = logLines.find((l) => l.includes(requestId!));
    expect(line).toContain('malformed HTTP request refused');
    expect(logLines.join('\n')).not.toContain('CONFIDENTIELLE');
  });

  it('still serves well-formed requests on other connections', async () => {
    const answer = await sendRaw(Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('bodies announced in another charset than UTF-8', () => {
  it.each(['application/json; charset=utf-16', 'application/json;charset="ISO-8859-1"'])('%s: 415, not misread as UTF-8', async (contentType) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/app/v1/declarations', headers: { 'content-type': contentType, 'x-device-id': 'charset-test-device' }, payload: '{}' });
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('REQUEST_UNSUPPORTED_MEDIA');
  });

  it.each(['application/json; charset=utf-8', 'application/json; charset=UTF8', 'application/json'])('%s: read', async (contentType) => {
    const response = await t.app.inject({ method: 'POST', url: '/api/app/v1/declarations', headers: { 'content-type': contentType, 'x-device-id': 'charset-test-device' }, payload: '{}' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('REQUEST_INVALID');
  });
});
