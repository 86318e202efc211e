import { Decoder, Encoder, Tag, addExtension } from 'cbor-x';

/**
 * RFC 8949 date-times as issuers write them in a DCC payload: tag 0 (RFC 3339 text) or tag 1
 * (seconds since the epoch). Both are legal; the DCC JSON wants the text, so they decode to
 * this marker and `cborToJson` turns them into RFC 3339 strings. Anything else under those tags
 * (a number under tag 0, text under tag 1) is refused.
 */
export class CborDateTime {
  constructor(readonly iso: string) {}
}

/** An RFC 3339 date-time with its offset (what tag 0 holds, and what rules' ValidFrom / ValidTo are). */
export const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export class CborTagError extends Error {}

/**
 * cbor-x keeps tag decoders in one table for the process; only tags 0 and 1 change, and only
 * this package decodes CBOR. Without a Class, cbor-x registers a decoder only (its types want
 * an encoder too).
 */
function decodeTag(tag: number, decode: (value: unknown) => CborDateTime | Uint8Array | never): void {
  addExtension({ tag, decode } as unknown as Parameters<typeof addExtension>[0]);
}

decodeTag(0, (value) => {
  if (typeof value !== 'string' || !RFC3339_DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new CborTagError('date-time (tag 0) invalide');
  }
  return new CborDateTime(value);
});
// Shared references (tags 28, 29) let a few bytes stand for a huge or cyclic value: a DCC has none.
for (const tag of [28, 29]) {
  decodeTag(tag, () => {
    throw new CborTagError(`étiquette CBOR ${tag} (référence partagée) refusée`);
  });
}
// Numeric tags (2, 3 bignums, 4, 5 decimal and big floats) stay the byte string they wrap:
// Iceland's issuer wrapped the COSE kid, payload and signature in them (its official vector IS/2),
// and read as numbers they would be lost. A DCC holds no such number: anything else is refused.
for (const tag of [2, 3, 4, 5]) {
  decodeTag(tag, (value) => {
    if (!(value instanceof Uint8Array)) throw new CborTagError(`nombre (tag ${tag}) refusé`);
    return value;
  });
}
decodeTag(1, (value) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new CborTagError('date-time (tag 1) invalide');
  const date = new Date(Math.round(value * 1000));
  if (Number.isNaN(date.getTime())) throw new CborTagError('date-time (tag 1) hors limites');
  return new CborDateTime(date.toISOString().replace(/\.000Z$/, 'Z'));
});

/**
 * CBOR decoder for COSE / CWT: every map decodes to a `Map` (COSE and CWT use integer keys),
 * no cbor-x record extension. `decodeCbor` throws unless the whole input is one CBOR item.
 */
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

export function decodeCbor(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/**
 * cbor-x's encoder as this package sees it: its types say it returns a Node `Buffer`, which is
 * unknown here (the browser's lib has no Node types); at run time it is a `Uint8Array` (a
 * Buffer on Node), which is what callers get.
 */
interface CborEncoder {
  encode(value: unknown): Uint8Array;
}

/**
 * The CBOR encoder for COSE / CWT (the Sig_structure here, and the server's issuing): RFC 8949
 * preferred serialization with definite lengths. `Map` keys are written as given (COSE / CWT
 * integer labels stay integers), plain objects (the DCC JSON) become maps with text keys in
 * insertion order, `Uint8Array` and `Buffer` plain byte strings (no tag 64), no cbor-x records,
 * and shortest map headers (`variableMapSize`; without it cbor-x writes every object with a
 * 16-bit count). Integers up to 32 bits are written as integers; larger ones must be passed as
 * `bigint` (written on 8 bytes), since cbor-x writes such a `number` as a float64. Values are
 * encoded as they are: an `undefined` property would be written (CBOR undefined), not skipped.
 */
const encoder: CborEncoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, useFloat32: 0, variableMapSize: true });

export function encodeCbor(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** A tagged CBOR value for `encodeCbor` (COSE_Sign1 is tag 18). */
export function cborTag(tag: number, value: unknown): Tag {
  return new Tag(value, tag);
}

export function isTag(value: unknown): value is Tag {
  return value instanceof Tag;
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

export function isMap(value: unknown): value is Map<unknown, unknown> {
  return value instanceof Map;
}

/** RFC 8943 full-date (tag 1004): text `YYYY-MM-DD`, kept as text. */
const TAG_FULL_DATE = 1004;

/**
 * A decoded CBOR value as JSON: maps must have text keys. Date-times (tags 0, 1) become RFC 3339
 * text, full dates (tag 1004) their text, 64-bit integers numbers when JSON can hold them. Fails (returns undefined) on byte strings, non-text
 * keys and any other tag, which a DCC payload never contains.
 */
export function cborToJson(value: unknown): unknown {
  return toJson(value, { nodes: 0, open: new Set() });
}

/** A DCC is a few hundred values; more is not a certificate (and bounds the work on crafted input). */
const MAX_JSON_NODES = 10_000;

function toJson(value: unknown, walk: { nodes: number; open: Set<object> }): unknown {
  if (++walk.nodes > MAX_JSON_NODES) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  // cbor-x reads an integer written on 8 bytes as a BigInt, whatever its value (seen in issuers' DCCs).
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  if (value instanceof CborDateTime) return value.iso;
  if (isTag(value)) {
    return value.tag === TAG_FULL_DATE && typeof value.value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value.value) ? value.value : undefined;
  }
  if (!Array.isArray(value) && !(value instanceof Map)) return undefined;
  // A value met again inside itself is a cycle: never JSON.
  if (walk.open.has(value)) return undefined;
  walk.open.add(value);
  try {
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const item of value) {
        const json = toJson(item, walk);
        if (json === undefined) return undefined;
        items.push(json);
      }
      return items;
    }
    const object: Record<string, unknown> = {};
    for (const [key, item] of value) {
      if (typeof key !== 'string' || key === '__proto__') return undefined;
      const json = toJson(item, walk);
      if (json === undefined) return undefined;
      object[key] = json;
    }
    return object;
  } finally {
    walk.open.delete(value);
  }
}
