import { generateKeyPairSync } from 'node:crypto';
import { professionals } from '@prostopcovid/psc-sandbox';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabResult } from '@prostopcovid/contracts/labs';
import { createProfessional, createTestApp, signIn, type SignedIn, type TestApp } from '../testing/test-app.js';
import { addDays, parisDate } from './dates.js';
import { errorCatalogue } from './errors.js';

/**
 * The malformed-input sweep: every operation of the app's own OpenAPI document
 * gets wrong JSON types, huge strings, NUL and lone surrogates, invalid UTF-8, deep nesting,
 * bad dates, invalid JSON, wrong content types and path parameters of the wrong shape, as a
 * caller who may use it and anonymously. No answer may be a 5xx, and every 4xx must be a
 * catalogue error (JSON, or the HTML error page for the browser-facing /auth/* GETs).
 *
 * The routes come from the document, never from a list here: a new route is swept as soon as
 * it is registered. What the document cannot say (which caller may use an operation, which
 * value is valid for a property) is found at run time: the first caller whose request is not
 * refused by authentication is used, a valid request is searched among a few generated ones,
 * and values the app itself answered earlier (ids, codes, reference lists) are reused.
 * No random choice: the variants are fixed lists, sent in the document's order (only what the
 * app itself generates, ids and codes, differs from one run to the next).
 */

// /docs* is Swagger UI (@fastify/swagger-ui): static pages of a plugin, not application input;
// the plugin hides its routes from the document anyway, the filter only keeps it that way.
const SKIPPED = /^\/docs(\/|$)/;

/** Refusals by authentication or authorisation, as opposed to answers of the route itself. */
const AUTH_REFUSALS = new Set(['AUTH_REQUIRED', 'AUTH_SESSION_EXPIRED', 'AUTH_FORBIDDEN', 'AUTH_CSRF_INVALID', 'LABS_KEY_INVALID']);

/**
 * Item schemas the document leaves open (`{}`) because the service checks the items itself,
 * one by one: the sweep uses the service's own schema to reach those checks too.
 */
const OPEN_ITEM_SCHEMAS: Record<string, JsonSchema> = {
  'POST /api/labs/v1/results /results': LabResult,
};

const OPERATOR_ID = '899900000010';
const DEEP = 10_000;
const HUGE = 100_000;
const OVER_BODY_LIMIT = 2 * 1024 * 1024;

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}
interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface Operation {
  key: string;
  method: string;
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
}

/** The body of a request as sent: raw text or bytes, so malformed JSON can be sent too. */
interface Payload {
  data: string | Buffer;
  contentType: string | undefined;
}
/** One request of the sweep, as a change to the operation's valid request. */
interface Variant {
  label: string;
  path?: Record<string, string>;
  query?: Array<[string, string]>;
  headers?: Record<string, string>;
  payload?: Payload | null;
}
interface Caller {
  name: string;
  headers: () => Record<string, string>;
}
interface Valid {
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: unknown;
  /** Values of earlier answers it holds. */
  uses: Array<Seen & { value: string }>;
  choice: Choice;
}

let t: TestApp;
let operator: SignedIn;
let pharmacist: SignedIn;
let labKey: string;
let operatorKey: string;
const operatorAccount = { idNatPs: OPERATOR_ID };
const errorLogs = new Map<string, string>();

const failures: string[] = [];
const reach = new Map<string, { caller: string; sent: number; reached: number; accepted: boolean }>();
let requests = 0;
let operations: Operation[] = [];

// Values the app answered (2xx), reused as valid input: by property name, arrays by name, and
// the top-level fields of each path's answers (ids of created resources for path parameters).
interface Seen {
  value: unknown;
  /** The operation whose answer held it. */
  from: string;
}
const seenValues = new Map<string, Seen[]>();
const seenArrays = new Map<string, unknown[]>();
const answersByPath = new Map<string, Record<string, Seen>>();
/** Values of earlier answers the request being built uses (a single-use code is replaced for each variant). */
let uses: Array<Seen & { value: string }> = [];
const use = (seen: Seen & { value: string }) => (uses.push(seen), seen.value);

beforeAll(async () => {
  t = await createTestApp({
    env: {
      OPERATOR_ID_NAT_PS: OPERATOR_ID,
      LOG_LEVEL: 'error',
      SESSION_IDLE_MINUTES: '1440',
      // Limits would answer 429 before the input is even looked at.
      CODE_ISSUE_LIMIT_PER_HOUR: '1000000',
      REDEEM_LIMIT_PER_DEVICE: '1000000',
      REDEEM_LIMIT_PER_ADDRESS: '1000000',
      RETRIEVAL_LIMIT_PER_ADDRESS: '1000000',
    },
    // The cause of a 5xx, to name it in the failure.
    logStream: { write: (line: string) => void recordErrorLog(line) },
  });
  const account = createProfessional(t, { profession: '10', familyName: 'SWEEP-OPERATEUR' });
  account.idNatPs = operatorAccount.idNatPs;
  operator = await signIn(t, account);
  pharmacist = await signIn(t, professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === '21')!);
  // A laboratory and its key, for the routes laboratories call.
  const lab = await t.app.inject({ method: 'POST', url: '/api/admin/labs', headers: operator.headers, payload: { name: 'Laboratoire du balayage', finess: '990000056' } });
  const key = await t.app.inject({ method: 'POST', url: `/api/admin/labs/${lab.json<{ id: string }>().id}/keys`, headers: operator.headers });
  labKey = key.json<{ apiKey: string }>().apiKey;
  // An operator's API key, for the KPI routes machines call.
  const created = await t.app.inject({ method: 'POST', url: '/api/admin/api-keys', headers: operator.headers, payload: { label: 'Balayage' } });
  operatorKey = created.json<{ apiKey: string }>().apiKey;
  // A published urgent message with a PDF, for the routes that act on one (a draft the sweep
  // creates itself cannot be corrected, and reaches no inbox).
  await publishMessageForSweep();

  operations = operationsOf(t.app.swagger() as { paths?: Record<string, Record<string, OpenApiOperation>> });
  await sweep();
}, 240_000);
afterAll(() => t?.close());

/** Path parameters only a published message gives (the collection's POST creates drafts). */
const PUBLISHED_MESSAGE_PATHS: Record<string, Record<string, string>> = {};

async function publishMessageForSweep(): Promise<void> {
  const content = { title: 'Message du balayage', body: 'Texte **court**.', kind: 'action', priority: 'high', professions: null, zone: { national: true, regions: [], departments: [] }, expiresAt: null, attachmentIds: [] as string[] };
  const draft = await t.app.inject({ method: 'POST', url: '/api/messages', headers: operator.headers, payload: content });
  const id = draft.json<{ id: string }>().id;
  const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
  const attachment = await t.app.inject({ method: 'POST', url: `/api/messages/${id}/attachments?filename=fiche.pdf`, headers: { ...operator.headers, 'content-type': 'application/pdf' }, payload: pdf });
  const attachmentId = attachment.json<{ id: string }>().id;
  await t.app.inject({ method: 'PUT', url: `/api/messages/${id}`, headers: operator.headers, payload: { ...content, attachmentIds: [attachmentId] } });
  const published = await t.app.inject({ method: 'POST', url: `/api/messages/${id}/publish`, headers: operator.headers });
  if (published.statusCode !== 200) throw new Error(`publishing the sweep's message: ${published.body}`);
  for (const path of ['/api/messages/{id}/corrections', '/api/messages/{id}/reminders', '/api/messages/{id}/attachments', '/api/inbox/{id}', '/api/inbox/{id}/read', '/api/inbox/{id}/acknowledge', '/api/public/messages/{id}']) {
    PUBLISHED_MESSAGE_PATHS[path] = { id };
  }
  PUBLISHED_MESSAGE_PATHS['/api/messages/{id}/attachments/{attachmentId}'] = { id, attachmentId };
}

function recordErrorLog(line: string): void {
  try {
    const entry = JSON.parse(line) as { level?: number; reqId?: string; msg?: string; err?: { type?: string; message?: string; stack?: string } };
    if ((entry.level ?? 0) < 50 || !entry.reqId) return;
    const frame = entry.err?.stack?.split('\n').find((l) => !l.includes('node_modules'))?.trim();
    errorLogs.set(entry.reqId, `${entry.msg ?? ''}: ${entry.err?.type ?? '?'}: ${(entry.err?.message ?? '').slice(0, 200)}${frame ? ` (${frame})` : ''}`);
  } catch {
    // Not JSON: nothing to attach.
  }
}

// ---------------------------------------------------------------------------------------
// The document

function operationsOf(doc: { paths?: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  const list: Array<Operation & { index: number }> = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    if (SKIPPED.test(path)) continue;
    for (const [method, operation] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = operation.requestBody?.content ?? {};
      const body = (content['application/json'] ?? Object.values(content)[0])?.schema;
      list.push({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, parameters: operation.parameters ?? [], body, index: list.length });
    }
  }
  // Collections before their members (a created id fills the path of the next ones), and
  // deletions last among their peers; otherwise the document's order.
  const params = (op: Operation) => op.parameters.filter((p) => p.in === 'path').length;
  return list.sort((a, b) => params(a) - params(b) || Number(a.method === 'DELETE') - Number(b.method === 'DELETE') || a.index - b.index);
}

const branches = (schema: JsonSchema) => schema.anyOf ?? schema.oneOf;

function kindOf(schema: JsonSchema): 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null' | 'unknown' {
  const alternatives = branches(schema);
  if (alternatives) {
    const kinds = new Set(alternatives.map(kindOf).filter((k) => k !== 'null'));
    return kinds.size === 1 ? [...kinds][0]! : 'unknown';
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean' || type === 'object' || type === 'array' || type === 'null') return type;
  if (schema.properties) return 'object';
  if (typeof schema.const === 'string' || typeof schema.enum?.[0] === 'string') return 'string';
  return 'unknown';
}

const DATE_PATTERN = /\\d\{4\}-\\d\{2\}-\\d\{2\}/;
const isDateLike = (schema: JsonSchema, name: string) =>
  schema.format === 'date' || schema.format === 'date-time' || DATE_PATTERN.test(schema.pattern ?? '') || /(Date|At|On|Clock|^since|^until)$/.test(name);

function conforms(schema: JsonSchema, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const length = [...value].length;
  if (schema.enum && !schema.enum.includes(value)) return false;
  if (schema.minLength !== undefined && length < schema.minLength) return false;
  if (schema.maxLength !== undefined && length > schema.maxLength) return false;
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// Valid input, generated from the schemas

interface Choice {
  /** Which alternative (enum value, anyOf branch) to take. */
  last: boolean;
  /** Optional properties too, or only the required ones. */
  optional: boolean;
}

const STRING_CANDIDATES = [
  'sweep-sample-0001',
  'SweepSample0001',
  '123456',
  '899700100001',
  '0999100005',
  '990000056',
  'FR',
  'fk8891',
  'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCd',
  '3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f',
  '+33 6 12 34 56 78',
  'AAAAAA',
  'A',
  '1',
  '/',
];
let uuidCounter = 0;
/** A new, deterministic UUID per use (idempotency keys). */
const nextUuid = () => `5eeeeeee-0000-4000-8000-${String(++uuidCounter).padStart(12, '0')}`;

const now = () => t.clock.now();
const yesterday = () => addDays(parisDate(now()), -1);
const anHourAgo = () => new Date(now().getTime() - 3_600_000).toISOString();

function seenValue(schema: JsonSchema, name: string): string | undefined {
  const values = seenValues.get(name) ?? [];
  for (let i = values.length - 1; i >= 0; i--) if (conforms(schema, values[i]!.value)) return use(values[i] as Seen & { value: string });
  // `deviceId` or `product`: the id of the first active entry of a list the app answered (`devices`, `products`).
  const base = name.replace(/Id$/, '').toLowerCase();
  for (const [listName, list] of seenArrays) {
    if (!listName.toLowerCase().startsWith(base)) continue;
    for (const entry of list) {
      const record = entry as Record<string, unknown> | null;
      if (record && typeof record === 'object' && record.active !== false && conforms(schema, record.id)) return record.id as string;
    }
  }
  return undefined;
}

function sampleString(schema: JsonSchema, name: string): string {
  if (schema.format === 'date-time') return anHourAgo();
  if (schema.format === 'date' || DATE_PATTERN.test(schema.pattern ?? '')) return yesterday();
  const seen = seenValue(schema, name);
  if (seen !== undefined) return seen;
  if (schema.format === 'email') return 'sweep@example.org';
  if (schema.format === 'uuid' || schema.pattern?.includes('{8}-[0-9a-fA-F]{4}')) return '3f2b8c1e-5d4a-4b6c-9e8f-0a1b2c3d4e5f';
  const candidate = STRING_CANDIDATES.find((c) => conforms(schema, c));
  if (candidate) return candidate;
  return 'a'.repeat(Math.max(schema.minLength ?? 1, 1)).slice(0, schema.maxLength ?? 1000);
}

/** A public EC P-256 JWK (the only valid value of a `{ kty, crv, x, y }` object). */
function publicJwk(): Record<string, unknown> {
  const { kty, crv, x, y } = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { kty, crv, x, y };
}

/**
 * Properties of an urgent message whose valid values a schema cannot say alone: its zone
 * (national, or at least one region or department, not both), an expiry (in the future), its
 * attachments (uploaded first, as PDFs), and its kind (reminders need an action message).
 */
const NAMED_SAMPLES: Record<string, unknown> = {
  zone: { national: true, regions: [], departments: [] },
  professions: null,
  kind: 'action',
  expiresAt: null,
  attachmentIds: [],
};

function sample(schema: JsonSchema, name: string, choice: Choice, where: string, depth = 0): unknown {
  if (name in NAMED_SAMPLES && where.includes('/api/messages')) return NAMED_SAMPLES[name];
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return choice.last ? schema.enum[schema.enum.length - 1] : schema.enum[0];
  const alternatives = branches(schema);
  if (alternatives) {
    const usable = alternatives.filter((b) => kindOf(b) !== 'null');
    return sample((choice.last ? usable[usable.length - 1] : usable[0]) ?? {}, name, choice, where, depth);
  }
  switch (kindOf(schema)) {
    case 'string':
      return sampleString(schema, name);
    case 'integer':
    case 'number': {
      let value = 1;
      if (schema.minimum !== undefined && value < schema.minimum) value = schema.minimum;
      if (schema.maximum !== undefined && value > schema.maximum) value = schema.maximum;
      return value;
    }
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const open = !schema.items || Object.keys(schema.items).length === 0;
      const items = open ? OPEN_ITEM_SCHEMAS[where] : schema.items;
      if (!items) return [{}];
      return Array.from({ length: Math.max(schema.minItems ?? 1, 1) }, () => sample(items, name, choice, `${where}[]`, depth + 1));
    }
    case 'object': {
      const properties = schema.properties ?? {};
      if (['kty', 'x', 'y'].every((k) => k in properties)) return publicJwk();
      const out: Record<string, unknown> = {};
      for (const [key, property] of Object.entries(properties)) {
        if (choice.optional || schema.required?.includes(key)) out[key] = sample(property, key, choice, `${where}/${key}`, depth + 1);
      }
      return out;
    }
    default:
      return 'sweep-sample-0001';
  }
}

function sampleParameter(op: Operation, parameter: Parameter): string {
  const schema = parameter.schema ?? { type: 'string' };
  if (parameter.in === 'path') {
    const fixed = PUBLISHED_MESSAGE_PATHS[op.path]?.[parameter.name];
    if (fixed) return fixed;
    // The id of what the collection's POST created (`/api/things` → `/api/things/{id}`).
    const collection = op.path.slice(0, op.path.indexOf(`/{${parameter.name}}`));
    const answer = answersByPath.get(collection);
    for (const field of [parameter.name, 'id']) if (answer?.[field] && conforms(schema, answer[field].value)) return use(answer[field] as Seen & { value: string });
  }
  if (parameter.in === 'header' && parameter.name === 'authorization') {
    // A bearer token the app handed out earlier (an upload token after a declaration).
    for (const [name, values] of [...seenValues].reverse()) {
      const last = values.at(-1);
      if (/token$/i.test(name) && name !== 'csrfToken' && typeof last?.value === 'string') return `Bearer ${use(last as Seen & { value: string })}`;
    }
  }
  if (schema.pattern?.includes('{8}-[0-9a-fA-F]{4}') && parameter.in === 'header') return nextUuid();
  return sample(schema, parameter.name, { last: false, optional: false }, '') as string;
}

function validRequest(op: Operation, choice: Choice): Valid {
  uses = [];
  const path: Record<string, string> = {};
  const query: Array<[string, string]> = [];
  const headers: Record<string, string> = {};
  for (const parameter of op.parameters) {
    if (parameter.in === 'path') path[parameter.name] = encodeURIComponent(sampleParameter(op, parameter));
    if (parameter.in === 'query' && (parameter.required || choice.optional)) query.push([parameter.name, encodeURIComponent(sampleParameter(op, parameter))]);
    // Headers the document names are all sent (a device id is optional in the schema, required by the service).
    if (parameter.in === 'header') headers[parameter.name] = sampleParameter(op, parameter);
  }
  const body = op.body ? sample(op.body, '', choice, op.key + ' ') : undefined;
  return { path, query, headers, body, uses, choice };
}

// ---------------------------------------------------------------------------------------
// Requests

const json = (value: unknown): Payload => ({ data: JSON.stringify(value), contentType: 'application/json' });
const text = (data: string | Buffer, contentType: string | undefined = 'application/json'): Payload => ({ data, contentType });

function urlOf(op: Operation, valid: Valid, variant: Variant): string {
  const values = { ...valid.path, ...variant.path };
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? 'missing');
  const query = variant.query ?? valid.query;
  return query.length ? `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
}

function hasBody(op: Operation) {
  return op.method !== 'GET';
}

type Substitutions = Array<[string, string]>;

function substitute<T extends string | Buffer>(data: T, substitutions: Substitutions): T {
  let out: string | Buffer = data;
  for (const [from, to] of substitutions) {
    if (typeof out === 'string') out = out.split(from).join(to);
    else {
      const parts: Buffer[] = [];
      let rest: Buffer = out;
      for (let at = rest.indexOf(from); at >= 0; at = rest.indexOf(from)) {
        parts.push(rest.subarray(0, at), Buffer.from(to));
        rest = rest.subarray(at + from.length);
      }
      out = Buffer.concat([...parts, rest]);
    }
  }
  return out as T;
}

async function send(op: Operation, caller: Caller, valid: Valid, variant: Variant, substitutions: Substitutions = []): Promise<LightMyRequestResponse | undefined> {
  const given = variant.payload !== undefined ? variant.payload : valid.body !== undefined ? json(valid.body) : null;
  const payload = given && substitutions.length ? { ...given, data: substitute(given.data, substitutions) } : given;
  const headers: Record<string, string> = { ...caller.headers(), ...valid.headers, ...variant.headers };
  for (const [name, value] of Object.entries(headers)) headers[name] = substitute(value, substitutions);
  for (const [name, value] of Object.entries(valid.headers)) if (/^5eeeeeee-/.test(value) && !variant.headers?.[name]) headers[name] = nextUuid();
  if (payload?.contentType) headers['content-type'] = payload.contentType;
  const url = substitute(urlOf(op, valid, variant), substitutions);
  const label = `${op.key} [${caller.name}] ${variant.label}`;
  requests++;
  let response: LightMyRequestResponse;
  try {
    response = await t.app.inject({ method: op.method as 'GET', url, headers, ...(payload && hasBody(op) ? { payload: payload.data } : {}) });
  } catch (error) {
    failures.push(`${label}: the request failed without an answer: ${(error as Error).message}`);
    return undefined;
  }
  const problem = checkAnswer(op, url, headers, response);
  if (problem) failures.push(`${label}: ${problem}`);
  return response;
}

function errorCodeOf(response: LightMyRequestResponse): string | undefined {
  try {
    const code = (JSON.parse(response.body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** How far a request went: accepted (2), refused by the route's own rules (1), or by the request's shape (0). */
function depthOf(response: LightMyRequestResponse | undefined): number {
  if (!response) return -1;
  if (response.statusCode < 300) return 2;
  return refusedByAuth(response) || ['REQUEST_INVALID', 'REQUEST_TOO_LARGE', 'REQUEST_UNSUPPORTED_MEDIA'].includes(errorCodeOf(response) ?? '') ? 0 : 1;
}

const refusedByAuth = (response: LightMyRequestResponse) => (response.statusCode === 401 || response.statusCode === 403) && AUTH_REFUSALS.has(errorCodeOf(response) ?? '');

/** What is wrong with an answer, or undefined: a 5xx, or a 4xx that is not a catalogue error. */
function checkAnswer(op: Operation, url: string, headers: Record<string, string>, response: LightMyRequestResponse): string | undefined {
  const status = response.statusCode;
  const requestId = String(response.headers['x-request-id'] ?? '');
  if (status >= 500) {
    return `answered ${status} ${errorCodeOf(response) ?? ''}; server log: ${errorLogs.get(requestId) ?? 'no error line'}`;
  }
  // Every answer, even to a URL Fastify cannot parse, carries the security headers.
  if (!requestId) return `answered ${status} without x-request-id`;
  if (response.headers['x-content-type-options'] !== 'nosniff') return `answered ${status} without x-content-type-options: nosniff`;
  if (status < 400) return undefined;
  // Public lists are cacheable on purpose; a refusal never is.
  if (/^\/(api|auth)\//.test(url) && response.headers['cache-control'] !== 'no-store') return `answered ${status} without cache-control: no-store`;
  const contentType = String(response.headers['content-type'] ?? '');
  // platform/error-handler.ts: pages a browser lands on get the HTML error page.
  const wantsHtml = url.startsWith('/auth/') && (op.method === 'GET' || (headers.accept ?? '').includes('text/html'));
  if (wantsHtml) {
    if (!contentType.startsWith('text/html') || !response.body.includes(requestId)) return `answered ${status} without the HTML error page (content-type ${contentType})`;
    return undefined;
  }
  if (!contentType.startsWith('application/json')) return `answered ${status} with content-type "${contentType}", not a catalogue error: ${response.body.slice(0, 120)}`;
  let body: { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
  try {
    body = JSON.parse(response.body);
  } catch {
    return `answered ${status} with invalid JSON: ${response.body.slice(0, 120)}`;
  }
  const error = body.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string' || typeof error.requestId !== 'string') {
    return `answered ${status} without { error: { code, message, requestId } }: ${response.body.slice(0, 120)}`;
  }
  const entry = (errorCatalogue as Record<string, readonly [number, string]>)[error.code];
  if (!entry) return `answered ${status} with code ${error.code}, not in the catalogue`;
  if (entry[0] !== status) return `answered ${status} with code ${error.code}, whose status is ${entry[0]}`;
  if (error.requestId !== requestId) return `answered ${status} with requestId ${error.requestId}, not the x-request-id ${requestId}`;
  return undefined;
}

/** Remembers what a 2xx answer holds, for the next operations' valid input. */
function harvest(op: Operation, response: LightMyRequestResponse | undefined): void {
  if (!response || response.statusCode < 200 || response.statusCode >= 300 || !String(response.headers['content-type'] ?? '').startsWith('application/json')) return;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return;
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const fields = Object.fromEntries(Object.entries(body).map(([k, value]) => [k, { value, from: op.key }]));
    answersByPath.set(op.path, { ...answersByPath.get(op.path), ...fields });
  }
  const walk = (value: unknown, depth: number) => {
    if (depth > 4 || !value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (typeof inner === 'string') seenValues.set(key, [...(seenValues.get(key) ?? []), { value: inner, from: op.key }].slice(-5));
      else if (Array.isArray(inner)) {
        seenArrays.set(key, inner.slice(0, 50));
        inner.slice(0, 3).forEach((item) => walk(item, depth + 1));
      } else walk(inner, depth + 1);
    }
  };
  walk(body, 0);
}

// ---------------------------------------------------------------------------------------
// The malformed variants

const BAD_DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01',
  '2026-02-30',
  '9999-12-31T23:59:59Z',
  '-000001-01-01T00:00:00Z',
  '2026-11-22 10:00',
  '9999-12-31',
  '0000-00-00',
  '2026-02-30T10:00:00Z',
  '2021-06-30T23:59:60Z',
  '1899-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2026-01-01T10:00:00+24:00',
];
/** Dates the parser accepts but the rules of an act may not: the ends of the supported range, odd spellings. */
const EDGE_DATES = [
  '1900-01-01T00:00:00Z',
  '2100-12-31T23:59:59.999999999Z',
  '1900-01-01',
  '2100-12-31',
  '2026-11-22t10:00:00z',
  '2026-11-22T10:00:00.123456789-00:00',
  '2026-11-22T10:00:00+14:00',
];

interface ValueVariant {
  label: string;
  value?: unknown;
  /** JSON text put in place of the value (numbers JSON.stringify cannot write, deep nesting). */
  raw?: string;
  /** Bytes put in place of the value (invalid UTF-8). */
  bytes?: Buffer;
}

const deepArray = '['.repeat(DEEP) + ']'.repeat(DEEP);
const deepObject = '{"a":'.repeat(DEEP) + '{}' + '}'.repeat(DEEP);

const STRING_VARIANTS: ValueVariant[] = [
  { label: `string of ${HUGE / 1000} kB`, value: 'A'.repeat(HUGE) },
  { label: 'NUL inside', value: 'a\u0000b' },
  { label: 'lone high surrogate', value: 'a\ud800b' },
  { label: 'lone low surrogate', value: '\udc00' },
  { label: 'invalid UTF-8 (encoded surrogate ED A0 80)', bytes: Buffer.from([0x22, 0x61, 0xed, 0xa0, 0x80, 0x22]) },
  { label: 'invalid UTF-8 (overlong C0 AF, lone FF)', bytes: Buffer.from([0x22, 0xc0, 0xaf, 0xff, 0x22]) },
  { label: 'control, bidi and zero-width characters', value: '\u001b[31m\u202e\u200bx\u0085' },
];

const FREE_TEXTS: Array<[string, (schema: JsonSchema) => string]> = [
  ['Latin, CJK, Arabic, emoji and combining marks', () => "Zoé-Ñúñez d'Ærø 漢字 عربي \u{1F600} e\u0301"],
  ['lone surrogates', () => 'Jean\ud800 Dupont\udfff'],
  ['only four-byte characters, at maxLength', (schema) => '\u{1D49C}'.repeat(Math.min(schema.maxLength ?? 80, 1000))],
  ['right-to-left override and zero-width characters', () => 'Jean\u202e\u200b\u2066Dupont\u2069\ufeff'],
];

function wrongTypes(schema: JsonSchema): ValueVariant[] {
  const kind = kindOf(schema);
  const values: Record<string, ValueVariant[]> = {
    string: [{ label: 'number', value: 42 }, { label: 'null', value: null }, { label: 'object', value: {} }, { label: 'array', value: ['x'] }],
    integer: [
      { label: 'numeric string', value: '1' },
      { label: 'fraction', value: 1.5 },
      { label: 'null', value: null },
      { label: '1e400', raw: '1e400' },
      { label: '2^53+1', raw: '9007199254740993' },
      { label: '-1e308', value: -1e308 },
    ],
    number: [{ label: 'numeric string', value: '1' }, { label: 'null', value: null }, { label: 'boolean', value: true }, { label: '1e400', raw: '1e400' }],
    boolean: [{ label: 'string "true"', value: 'true' }, { label: 'number 0', value: 0 }, { label: 'null', value: null }, { label: 'array', value: [] }],
    object: [{ label: 'string', value: 'sweep' }, { label: 'array', value: [] }, { label: 'null', value: null }, { label: 'number', value: 42 }],
    array: [{ label: 'object', value: {} }, { label: 'string', value: 'sweep' }, { label: 'null', value: null }, { label: 'array of null', value: [null] }],
    null: [{ label: 'string', value: 'sweep' }],
    unknown: [{ label: 'null', value: null }, { label: 'number', value: 42 }, { label: 'object', value: {} }],
  };
  const enumValue = schema.enum?.[0] ?? branches(schema)?.map((b) => b.const ?? b.enum?.[0]).find((v) => typeof v === 'string');
  const enumVariants: ValueVariant[] =
    typeof enumValue === 'string'
      ? [
          { label: 'value outside the enum', value: 'NOT-IN-ENUM' },
          { label: 'enum value in another case', value: enumValue.toUpperCase() === enumValue ? enumValue.toLowerCase() : enumValue.toUpperCase() },
          { label: 'enum value with a trailing space', value: `${enumValue} ` },
        ]
      : [];
  return [...(values[kind] ?? []), ...enumVariants].map((v) => ({ ...v, label: `wrong type or value: ${v.label}` }));
}

function valueVariants(schema: JsonSchema, name: string, current: unknown): ValueVariant[] {
  const kind = kindOf(schema);
  const out = [...wrongTypes(schema)];
  if (kind === 'string' || kind === 'unknown') out.push(...STRING_VARIANTS);
  if (isDateLike(schema, name)) {
    out.push(...BAD_DATES.map((date) => ({ label: `bad date ${date}`, value: date })));
    out.push(...EDGE_DATES.map((date) => ({ label: `edge date ${date}`, value: date })));
  }
  if (kind === 'string' && schema.maxLength !== undefined && !schema.enum && !schema.pattern) {
    out.push({ label: `maxLength + 1 (${schema.maxLength + 1}) characters`, value: 'a'.repeat(schema.maxLength + 1) });
    out.push({ label: `maxLength (${schema.maxLength}) four-byte characters`, value: '\u{1F600}'.repeat(schema.maxLength) });
  }
  if (kind === 'integer' || kind === 'number') {
    if (schema.minimum !== undefined) out.push({ label: `minimum - 1 (${schema.minimum - 1})`, value: schema.minimum - 1 });
    if (schema.maximum !== undefined) out.push({ label: `maximum + 1 (${schema.maximum + 1})`, value: schema.maximum + 1 });
    out.push({ label: '-0', raw: '-0' }, { label: '1.0', raw: '1.0' });
  }
  if (kind === 'array' && Array.isArray(current) && current.length > 0) {
    out.push({ label: '1,000 items', value: Array.from({ length: 1000 }, () => current[0]) });
    if (schema.maxItems !== undefined && schema.maxItems <= 100_000) {
      out.push({ label: `maxItems + 1 (${schema.maxItems + 1}) items`, value: Array.from({ length: schema.maxItems + 1 }, () => current[0]) });
    }
  }
  out.push({ label: `array nested ${DEEP} deep`, raw: deepArray });
  if (kind === 'object' || kind === 'array' || kind === 'unknown') out.push({ label: `object nested ${DEEP} deep`, raw: deepObject });
  return out;
}

interface PropertyPath {
  path: Array<string | number>;
  schema: JsonSchema;
  name: string;
}

/** The branch of a union the valid value took (the onset's `{ kind: 'symptoms', date }`). */
function branchOf(schema: JsonSchema, value: unknown): JsonSchema {
  const alternatives = branches(schema);
  if (!alternatives) return schema;
  const fits = (b: JsonSchema) => {
    if (!value || typeof value !== 'object' || !b.properties) return false;
    return Object.entries(value).every(([k, v]) => {
      const p = b.properties?.[k];
      return p !== undefined && (p.const === undefined || p.const === v) && (!p.enum || p.enum.includes(v));
    });
  };
  return alternatives.find(fits) ?? alternatives.find((b) => kindOf(b) !== 'null') ?? schema;
}

/** Every property of a body, nested ones and the first item of arrays included. */
function propertiesOf(op: Operation, schema: JsonSchema, value: unknown, path: Array<string | number> = [], where = `${op.key} `): PropertyPath[] {
  if (path.length > 5) return [];
  const s = branchOf(schema, value);
  const out: PropertyPath[] = [];
  if (kindOf(s) === 'object') {
    for (const [key, property] of Object.entries(s.properties ?? {})) {
      out.push({ path: [...path, key], schema: property, name: key });
      const inner = (value as Record<string, unknown> | undefined)?.[key];
      if (inner && typeof inner === 'object') out.push(...propertiesOf(op, property, inner, [...path, key], `${where}/${key}`));
    }
  } else if (kindOf(s) === 'array' && Array.isArray(value) && value.length > 0) {
    const items = s.items && Object.keys(s.items).length ? s.items : (OPEN_ITEM_SCHEMAS[where] ?? {});
    const name = String(path.at(-1) ?? 'items');
    out.push({ path: [...path, 0], schema: items, name });
    if (value[0] && typeof value[0] === 'object') out.push(...propertiesOf(op, items, value[0], [...path, 0], `${where}[]`));
  }
  return out;
}

const PLACEHOLDER = '__sweep_value_placeholder__';

function valueAt(value: unknown, path: Array<string | number>): unknown {
  let node = value;
  for (const step of path) node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  return node;
}

function bodyWith(valid: unknown, path: Array<string | number>, variant: ValueVariant): Payload {
  const copy = structuredClone(valid) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (variant.raw === undefined && variant.bytes === undefined) {
    node[last] = variant.value;
    return json(copy);
  }
  node[last] = PLACEHOLDER;
  const [before, after] = JSON.stringify(copy).split(JSON.stringify(PLACEHOLDER)) as [string, string];
  if (variant.raw !== undefined) return text(before + variant.raw + after);
  return text(Buffer.concat([Buffer.from(before), variant.bytes!, Buffer.from(after)]));
}

const BODYLESS_VARIANTS = ['body is an array', 'body is empty', 'invalid JSON: truncated', 'invalid JSON: a NUL', 'invalid UTF-8 body', 'array nested', 'object nested', 'body of', 'content type multipart', 'content type application/xml', 'content type JSON in UTF-16'];

function bodyVariants(op: Operation, valid: Valid): Variant[] {
  if (!hasBody(op)) return [];
  const base = valid.body && typeof valid.body === 'object' ? (valid.body as Record<string, unknown>) : {};
  const baseText = JSON.stringify(base);
  const firstString = op.body ? propertiesOf(op, op.body, base).find((p) => kindOf(p.schema) === 'string' && p.path.length === 1) : undefined;
  const variants: Variant[] = [
    { label: 'body is an array', payload: json([base]) },
    { label: 'body is a number', payload: json(42) },
    { label: 'body is null', payload: text('null') },
    { label: 'body is a string', payload: json('sweep') },
    { label: 'body is true', payload: json(true) },
    { label: 'body is an empty object', payload: json({}) },
    { label: 'body is empty with a JSON content type', payload: text('') },
    { label: 'invalid JSON: truncated', payload: text(baseText.slice(0, Math.max(1, baseText.length - 1))) },
    { label: "invalid JSON: single quotes", payload: text("{'a': 1}") },
    { label: 'invalid JSON: trailing garbage', payload: text(`${baseText}garbage`) },
    { label: 'invalid JSON: a NUL byte', payload: text('{"a":\u0000}') },
    { label: 'invalid UTF-8 body (UTF-16 BOM)', payload: text(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])) },
    { label: 'UTF-8 BOM before valid JSON', payload: text(`\ufeff${baseText}`) },
    { label: `array nested ${DEEP} deep`, payload: text(deepArray) },
    { label: `object nested ${DEEP} deep`, payload: text(deepObject) },
    { label: '__proto__ key', payload: text(`{"__proto__":{"polluted":true},${baseText.slice(1)}`.replace(',}', '}')) },
    { label: 'constructor.prototype key', payload: text(`{"constructor":{"prototype":{"polluted":true}},${baseText.slice(1)}`.replace(',}', '}')) },
    { label: 'unknown property', payload: json({ ...base, sweepUnknownProperty: 'x' }) },
    {
      label: `body of ${OVER_BODY_LIMIT / 1024 / 1024} MB`,
      payload: text(JSON.stringify({ ...base, [firstString?.name ?? 'sweep']: 'A'.repeat(OVER_BODY_LIMIT) })),
    },
    { label: 'content type text/plain', payload: text(baseText, 'text/plain') },
    { label: 'content type form-urlencoded', payload: text('a=%00&b[c]=d&b[c]=e&%ED%A0%80=1', 'application/x-www-form-urlencoded') },
    { label: 'content type multipart/form-data', payload: text('--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n', 'multipart/form-data; boundary=x') },
    { label: 'content type application/xml', payload: text('<a>1</a>', 'application/xml') },
    { label: 'content type JSON in UTF-16', payload: text(Buffer.from(baseText, 'utf16le'), 'application/json; charset=utf-16') },
    { label: 'content type malformed', payload: text(baseText, 'application/json; ;;charset="') },
    { label: 'a body without content type', payload: text(baseText, undefined) },
  ];
  // A route without a body ignores a parsable one: the parser's refusals are what is left to try.
  if (!op.body) return variants.filter((v) => BODYLESS_VARIANTS.some((prefix) => v.label.startsWith(prefix)));
  const firstKey = Object.keys(base)[0];
  if (firstKey !== undefined) {
    variants.push(
      { label: `duplicate key ${firstKey} (valid value last)`, payload: text(`{${JSON.stringify(firstKey)}:42,${baseText.slice(1)}`) },
      { label: `duplicate key ${firstKey} (wrong value last)`, payload: text(`${baseText.slice(0, -1)},${JSON.stringify(firstKey)}:42}`) },
    );
  }
  const properties = propertiesOf(op, op.body, valid.body);
  for (const property of properties) {
    const where = property.path.join('.');
    for (const variant of valueVariants(property.schema, property.name, valueAt(valid.body, property.path))) variants.push({ label: `${where}: ${variant.label}`, payload: bodyWith(valid.body, property.path, variant) });
  }
  // Text the schemas accept, in every free-text property at once: stored, it reaches the
  // documents (PDF, certificates) the next operations produce from it.
  const freeText = properties.filter((p) => kindOf(p.schema) === 'string' && !p.schema.enum && !branches(p.schema) && !isDateLike(p.schema, p.name) && !p.schema.format);
  for (const [label, make] of FREE_TEXTS) {
    let body = valid.body;
    const changed: string[] = [];
    for (const property of freeText) {
      const value = make(property.schema);
      if (!conforms(property.schema, value)) continue;
      body = JSON.parse(bodyWith(body, property.path, { label, value }).data as string);
      changed.push(property.path.join('.'));
    }
    if (changed.length) variants.push({ label: `${label} in ${changed.join(', ')}`, payload: json(body) });
  }
  return variants;
}

const PATH_VALUES: Array<[string, (valid: string) => string]> = [
  ['%00', () => '%00'],
  ['raw NUL', () => '\u0000'],
  ['valid value then %00', (v) => `${v}%00`],
  ['..%2f..%2fetc%2fpasswd', () => '..%2f..%2fetc%2fpasswd'],
  ['%2e%2e%2f', () => '%2e%2e%2f'],
  ['..', () => '..'],
  ['%2F inside', (v) => `${v}%2Fx`],
  ['not of the expected shape', () => 'not-a-uuid'],
  ['10,000 characters', () => 'a'.repeat(10_000)],
  ['encoded lone surrogate %ED%A0%80', () => '%ED%A0%80'],
  ['raw lone surrogate', () => '\ud800'],
  ['lone %', () => '%'],
  ['bad escape %zz', () => '%zz'],
  ['emoji', () => '%F0%9F%98%80'],
  ['upper case', (v) => v.toUpperCase()],
  ['unknown UUID', () => '00000000-0000-0000-0000-000000000000'],
  ['space and quote', () => '%20%22%27'],
];

function parameterVariants(op: Operation, valid: Valid): Variant[] {
  const variants: Variant[] = [];
  for (const parameter of op.parameters) {
    const schema = parameter.schema ?? {};
    if (parameter.in === 'path') {
      for (const [label, value] of PATH_VALUES) variants.push({ label: `path {${parameter.name}}: ${label}`, path: { [parameter.name]: value(valid.path[parameter.name] ?? '') } });
    }
    if (parameter.in === 'query') {
      const others = valid.query.filter(([k]) => k !== parameter.name);
      const values: Array<[string, string]> = [
        ['%00', '%00'],
        ['raw NUL', '\u0000'],
        ['encoded lone surrogate', '%ED%A0%80'],
        ['raw lone surrogate', '\ud800'],
        ['lone %', '%'],
        ['100 kB', 'A'.repeat(HUGE)],
        ['empty', ''],
        ['wrong shape', 'not-a-value'],
        ...(isDateLike(schema, parameter.name) ? BAD_DATES.map((d): [string, string] => [`bad date ${d}`, encodeURIComponent(d)]) : []),
      ];
      for (const [label, value] of values) variants.push({ label: `query ${parameter.name}: ${label}`, query: [...others, [parameter.name, value]] });
      variants.push({ label: `query ${parameter.name}: repeated`, query: [...others, [parameter.name, 'a'], [parameter.name, 'b']] });
      variants.push({ label: `query ${parameter.name}[]: bracket syntax`, query: [...others, [`${parameter.name}[x]`, '1']] });
    }
    if (parameter.in === 'header') {
      const values: Array<[string, string]> = [
        ['8 kB', 'A'.repeat(8192)],
        ['NUL inside', 'a\u0000b'],
        ['wrong shape', 'x'],
        ['Latin-1 characters', '\u00e9\u00ff'],
        ['Bearer and nothing', 'Bearer '],
        ['Bearer and 8 kB', `Bearer ${'A'.repeat(8192)}`],
      ];
      for (const [label, value] of values) variants.push({ label: `header ${parameter.name}: ${label}`, headers: { [parameter.name]: value } });
    }
  }
  // Query strings no operation expects, all at once.
  const unexpected: Array<[string, string]> = [['%00', '%00'], ['x', '%ED%A0%80'], ['y', '\ud800'], ['__proto__[x]', '1'], ['constructor[prototype][x]', '1'], ['%', '%zz']];
  variants.push({ label: 'unexpected query: NUL, lone surrogates, __proto__, bad escapes and 2,000 parameters', query: [...valid.query, ...unexpected, ...Array.from({ length: 2000 }, (_, i): [string, string] => [`p${i}`, '1'])] });
  return variants;
}

/** Headers no operation documents, all at once (each answer of a document route is a PDF to make). */
function headerVariants(): Variant[] {
  const junk = { 'accept-language': 'A'.repeat(8192), 'x-forwarded-for': 'not-an-ip, ::ffff:999.1.1.1, \u0000', 'idempotency-key': `%00\u0000${'A'.repeat(1000)}`, 'if-none-match': '\u0000"', range: 'bytes=-1-2' };
  return [
    { label: 'accept text/html and unexpected headers (8 kB accept-language, garbage x-forwarded-for, idempotency-key, if-none-match, range)', headers: { accept: 'text/html', ...junk } },
    { label: 'accept application/xml only', headers: { accept: 'application/xml' } },
  ];
}

/** Callers with something wrong, for the valid request only. */
function wrongCallers(): Caller[] {
  const sessionCookie = () => operator.cookie;
  const sessionName = t.config.session.cookies.session;
  return [
    { name: 'pharmacist', headers: () => pharmacist.headers },
    { name: 'session without CSRF token', headers: () => ({ cookie: sessionCookie() }) },
    { name: 'session with a wrong CSRF token', headers: () => ({ cookie: sessionCookie(), 'x-csrf-token': 'A'.repeat(43) }) },
    { name: 'session with a CSRF token of 8 kB and NUL', headers: () => ({ cookie: sessionCookie(), 'x-csrf-token': `\u0000${'A'.repeat(8192)}` }) },
    { name: 'forged session cookie', headers: () => ({ cookie: `${sessionName}=${'A'.repeat(43)}` }) },
    { name: 'malformed cookie header', headers: () => ({ cookie: `${sessionName}=%ED%A0%80; ${sessionName}=%; ;;=; \u0000=\u0000` }) },
    { name: 'unknown lab key', headers: () => ({ authorization: `Bearer lbk_${'A'.repeat(43)}` }) },
    { name: 'malformed Authorization', headers: () => ({ authorization: `Bearer \u0000${'A'.repeat(8192)}` }) },
  ];
}

// ---------------------------------------------------------------------------------------
// The sweep

/** Signs the operator in again if an operation ended the session (sign-out). */
async function keepSession(): Promise<void> {
  const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: operator.cookie } });
  if (me.statusCode !== 200) {
    const account = t.professionals.find((p) => p.idNatPs === operatorAccount.idNatPs)!;
    operator = await signIn(t, account);
  }
  const pharmacistMe = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: pharmacist.cookie } });
  if (pharmacistMe.statusCode !== 200) pharmacist = await signIn(t, professionals.find((p) => p.exercices.length === 1 && p.exercices[0]!.codeProfession === '21')!);
}

interface Producer {
  op: Operation;
  caller: Caller;
  choice: Choice;
  /** Its valid request is accepted once only (a code, an upload token): each use needs a fresh one. */
  singleUse: boolean;
}
const producers = new Map<string, Producer>();

/** Makes the operation answer a new value again (a new code, token, incident), after fresh inputs of its own if it needs them. */
async function produceAgain(key: string, depth = 0): Promise<void> {
  const producer = producers.get(key);
  if (!producer || producer.op.method === 'GET' || depth > 3) return;
  if (producer.singleUse) for (const from of new Set(validRequest(producer.op, producer.choice).uses.map((u) => u.from))) await produceAgain(from, depth + 1);
  const valid = validRequest(producer.op, producer.choice);
  harvest(producer.op, await send(producer.op, producer.caller, valid, { label: 'valid request (a fresh value for the next one)' }));
}

/** Fresh values for a single-use valid request: [old, new] pairs to put in the next variant. */
async function freshValues(op: Operation, valid: Valid): Promise<Substitutions> {
  for (const from of new Set(valid.uses.map((u) => u.from))) await produceAgain(from);
  const fresh = validRequest(op, valid.choice);
  return valid.uses.map((u, i): [string, string] => [u.value, fresh.uses[i]?.value ?? u.value]).filter(([a, b]) => a !== b);
}

async function sweep(): Promise<void> {
  // Anonymous first: a public route is swept as the public uses it (once, not twice).
  const anonymous: Caller = { name: 'anonymous', headers: () => ({}) };
  const session: Caller = { name: 'operator-doctor session', headers: () => operator.headers };
  const callers: Caller[] = [
    anonymous,
    session,
    { name: 'lab key', headers: () => ({ authorization: `Bearer ${labKey}` }) },
    { name: 'operator key', headers: () => ({ authorization: `Bearer ${operatorKey}` }) },
  ];
  // First what the app tells about itself (lists, reference values), to build valid input from.
  for (const op of operations) {
    if (op.method !== 'GET' || op.parameters.some((p) => p.in === 'path')) continue;
    const valid = validRequest(op, { last: false, optional: false });
    harvest(op, await send(op, session, valid, { label: 'valid request (first look)' }));
  }
  for (const op of operations) {
    // The caller: the first one authentication lets through with a valid request.
    let caller = anonymous;
    let valid = validRequest(op, { last: false, optional: false });
    let validAnswer: LightMyRequestResponse | undefined;
    for (const candidate of callers) {
      validAnswer = await send(op, candidate, valid, { label: 'valid request (choosing the caller)' });
      if (validAnswer && !refusedByAuth(validAnswer)) {
        caller = candidate;
        break;
      }
    }
    // A valid request the route accepts, if one of a few generated ones is.
    const choices: Choice[] = [
      { last: true, optional: false },
      { last: false, optional: true },
      { last: true, optional: true },
    ];
    for (const choice of choices) {
      if (depthOf(validAnswer) === 2) break;
      const other = validRequest(op, choice);
      const answer = await send(op, caller, other, { label: `valid request (${choice.last ? 'last' : 'first'} alternatives${choice.optional ? ', optional properties' : ''})` });
      if (depthOf(answer) > depthOf(validAnswer)) [valid, validAnswer] = [other, answer];
    }
    harvest(op, validAnswer);
    // Single use: accepted once, refused the second time (a redeemed code, an ended incident).
    let singleUse = false;
    const fromOtherAnswers = valid.uses.some((u) => (producers.get(u.from)?.op.method ?? 'GET') !== 'GET');
    if (depthOf(validAnswer) === 2 && fromOtherAnswers) {
      singleUse = depthOf(await send(op, caller, valid, { label: 'valid request again' })) < 2;
    }
    producers.set(op.key, { op, caller, choice: valid.choice, singleUse });

    // Accepted malformed values are remembered too: the last accepted body is the one with the
    // most unusual text, and its ids lead the next operations (documents made from it).
    const variants = [...headerVariants(), ...parameterVariants(op, valid), ...bodyVariants(op, valid)];
    const stats = { caller: caller.name, sent: 0, reached: 0, accepted: depthOf(validAnswer) === 2 };
    reach.set(op.key, stats);
    for (const variant of variants) {
      const response = await send(op, caller, valid, variant, singleUse ? await freshValues(op, valid) : []);
      stats.sent++;
      if (response && !refusedByAuth(response)) stats.reached++;
      harvest(op, response);
    }
    // Anonymously too (a protected route must refuse it all in the same catalogue shape);
    // the other callers, and callers with something wrong, with the valid request.
    if (caller !== anonymous) for (const variant of variants) await send(op, anonymous, valid, variant);
    for (const other of [...callers.filter((c) => c !== caller && c !== anonymous), ...wrongCallers()]) await send(op, other, valid, { label: 'valid request' });
    await keepSession();
  }
}

describe('malformed input on every operation of the OpenAPI document', () => {
  it('sweeps every operation of the document, past authentication, from a request it accepts', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect([...reach.keys()].sort()).toEqual(operations.map((op) => op.key).sort());
    const unreached = [...reach].filter(([, s]) => s.reached < s.sent / 2).map(([key, s]) => `${key} [${s.caller}]: ${s.reached}/${s.sent} past authentication`);
    expect(unreached, `operations the sweep did not get past authentication:\n${unreached.join('\n')}`).toEqual([]);
    // The variants are changes to an accepted request for most operations, so they reach the services, not only the schemas.
    const refused = [...reach].filter(([, s]) => !s.accepted).map(([key]) => key);
    expect(refused.length, `operations with no accepted generated request: ${refused.join(', ')}`).toBeLessThanOrEqual(operations.length / 4);
  });

  it('answers no malformed request with a 5xx, and every 4xx with a catalogue error', () => {
    expect(requests).toBeGreaterThan(operations.length * 20);
    expect(failures, `${failures.length} faulty answers out of ${requests} requests to ${operations.length} operations:\n${failures.join('\n')}`).toEqual([]);
  });
});
