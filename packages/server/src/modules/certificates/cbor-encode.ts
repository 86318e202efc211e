/**
 * Small CBOR encoder (RFC 8949) for issuing DCCs: the exact major types the hcert specification
 * requires (unsigned/negative integers, byte strings, text strings, arrays, maps, tags), shortest
 * heads, definite lengths. `Map` keys are encoded as given, so COSE / CWT integer labels stay
 * integers; plain objects (the DCC JSON) become maps with text keys, in insertion order.
 * Non-integer numbers are refused: a DCC has none and CWT dates are integral seconds.
 */

export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export type CborValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | CborTag
  | readonly CborValue[]
  | ReadonlyMap<CborValue, CborValue>
  | { readonly [key: string]: CborValue | undefined };

function head(majorType: number, argument: number): Buffer {
  if (!Number.isSafeInteger(argument) || argument < 0) throw new RangeError(`CBOR argument out of range: ${argument}`);
  const mt = majorType << 5;
  if (argument < 24) return Buffer.from([mt | argument]);
  if (argument < 0x100) return Buffer.from([mt | 24, argument]);
  if (argument < 0x10000) return Buffer.from([mt | 25, argument >> 8, argument & 0xff]);
  if (argument < 0x1_0000_0000) {
    const out = Buffer.alloc(5);
    out[0] = mt | 26;
    out.writeUInt32BE(argument, 1);
    return out;
  }
  const out = Buffer.alloc(9);
  out[0] = mt | 27;
  out.writeBigUInt64BE(BigInt(argument), 1);
  return out;
}

function encodeInto(value: CborValue, out: Buffer[]): void {
  if (value === null) out.push(Buffer.from([0xf6]));
  else if (value === true) out.push(Buffer.from([0xf5]));
  else if (value === false) out.push(Buffer.from([0xf4]));
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`Only integers are encoded, got ${value}`);
    out.push(value >= 0 ? head(0, value) : head(1, -1 - value));
  } else if (typeof value === 'string') {
    const utf8 = Buffer.from(value, 'utf8');
    out.push(head(3, utf8.length), utf8);
  } else if (value instanceof Uint8Array) {
    out.push(head(2, value.length), Buffer.from(value));
  } else if (value instanceof CborTag) {
    out.push(head(6, value.tag));
    encodeInto(value.value, out);
  } else if (Array.isArray(value)) {
    out.push(head(4, value.length));
    for (const item of value as readonly CborValue[]) encodeInto(item, out);
  } else if (value instanceof Map) {
    out.push(head(5, value.size));
    for (const [key, item] of value as ReadonlyMap<CborValue, CborValue>) {
      encodeInto(key, out);
      encodeInto(item, out);
    }
  } else if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined) as [string, CborValue][];
    out.push(head(5, entries.length));
    for (const [key, item] of entries) {
      encodeInto(key, out);
      encodeInto(item, out);
    }
  } else {
    throw new TypeError(`Cannot encode ${Object.prototype.toString.call(value)} as CBOR`);
  }
}

export function encodeCbor(value: CborValue): Buffer {
  const out: Buffer[] = [];
  encodeInto(value, out);
  return Buffer.concat(out);
}
