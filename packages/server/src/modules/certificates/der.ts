/**
 * Minimal ASN.1 DER encoder: just what a self-signed X.509 v3 certificate needs
 * (ITU-T X.690 §8 and §10; definite, shortest lengths).
 */

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]) => tlv(0x31, Buffer.concat(items));
/** Context-specific constructed tag `[n] EXPLICIT`. */
export const explicit = (n: number, content: Uint8Array) => tlv(0xa0 | n, content);
export const octetString = (content: Uint8Array) => tlv(0x04, content);
export const utf8String = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'));
export const printableString = (value: string) => {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) throw new RangeError(`Not a PrintableString: ${value}`);
  return tlv(0x13, Buffer.from(value, 'ascii'));
};
export const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

/** BIT STRING with `unusedBits` trailing padding bits in the last byte. */
export const bitString = (content: Uint8Array, unusedBits = 0) =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]));

/** INTEGER from unsigned big-endian bytes (a 0x00 is prepended when the high bit is set). */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  const content = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return tlv(0x02, content.length ? content : Buffer.from([0]));
}

export const smallInteger = (value: number) => unsignedInteger(Buffer.from([value]));

export function objectIdentifier(oid: string): Buffer {
  const arcs = oid.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new RangeError(`Invalid OID ${oid}`);
    return Number(arc);
  });
  const [first = 0, second = 0, ...rest] = arcs;
  if (arcs.length < 2 || first > 2 || (first < 2 && second > 39)) throw new RangeError(`Invalid OID ${oid}`);
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const group: number[] = [arc & 0x7f];
    for (let rest7 = Math.floor(arc / 128); rest7 > 0; rest7 = Math.floor(rest7 / 128)) group.unshift(0x80 | (rest7 & 0x7f));
    bytes.push(...group);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** X.509 Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, seconds precision. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new RangeError('Date out of X.509 range');
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}
