import { Decoder, Tag } from 'cbor-x';

/**
 * CBOR decoder for COSE / CWT: every map decodes to a `Map` (COSE and CWT use integer keys),
 * no cbor-x record extension, byte strings as Buffers. `decode` throws unless the whole input
 * is exactly one CBOR item.
 */
const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });

export function decodeCbor(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

export function isTag(value: unknown): value is Tag {
  return value instanceof Tag;
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** CBOR head (major type + argument) in its shortest form, as RFC 8949 deterministic encoding requires. */
function head(majorType: number, length: number): Buffer {
  const mt = majorType << 5;
  if (length < 24) return Buffer.from([mt | length]);
  if (length < 0x100) return Buffer.from([mt | 24, length]);
  if (length < 0x10000) return Buffer.from([mt | 25, length >> 8, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = mt | 26;
  out.writeUInt32BE(length, 1);
  return out;
}

export function encodeByteString(bytes: Uint8Array): Buffer {
  return Buffer.concat([head(2, bytes.length), bytes]);
}

export function encodeTextString(text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  return Buffer.concat([head(3, utf8.length), utf8]);
}

export function encodeArrayHead(length: number): Buffer {
  return head(4, length);
}

/**
 * A decoded CBOR value as JSON: maps must have text keys. Fails (returns undefined) on byte
 * strings, non-text keys and tags, which a DCC payload never contains.
 */
export function cborToJson(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items = value.map(cborToJson);
    return items.includes(undefined) ? undefined : items;
  }
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [key, item] of value) {
      if (typeof key !== 'string') return undefined;
      const json = cborToJson(item);
      if (json === undefined) return undefined;
      object[key] = json;
    }
    return object;
  }
  return undefined;
}
