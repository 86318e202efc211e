import { describe, expect, it } from 'vitest';
import { cborTag, encodeCbor } from './cbor.js';

/**
 * The bytes the issuing code writes, as the server's former hand-written encoder wrote them
 * (RFC 8949 preferred serialization): the cbor-x options must keep every one.
 */
const hex = (value: unknown) => Buffer.from(encodeCbor(value)).toString('hex');

describe('encodeCbor (COSE / CWT)', () => {
  it('writes COSE headers and CWT claims with integer labels and plain byte strings', () => {
    const kid = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(hex(new Map<number, unknown>([[1, -7], [4, kid]]))).toBe('a2012604480102030405060708');
    expect(hex(new Map<number, unknown>([[4, Buffer.from(kid)]]))).toBe('a104480102030405060708');
    const dcc = { ver: '1.3.0', nam: { fn: 'Dupont', fnt: 'DUPONT' }, dob: '1990-07-14', v: [{ dn: 2, sd: 2, mp: 'EU/1/20/1528' }] };
    const claims = new Map<number, unknown>([[1, 'FR'], [4, 1_700_003_600], [6, 1_700_000_000], [-260, new Map([[1, dcc]])]]);
    expect(hex(claims)).toBe(
      'a401624652041a6553ff10061a6553f100390103a101a46376657265312e332e30636e616da262666e664475706f6e7463666e74664455504f4e5463646f626a313939302d30372d3134617681a362646e0262736402626d706c45552f312f32302f31353238',
    );
    expect(hex(cborTag(18, [new Uint8Array([0xa1, 0x01, 0x26]), new Map(), new Uint8Array([0xa0]), new Uint8Array(3).fill(0xff)]))).toBe('d28443a10126a041a043ffffff');
  });

  it('writes integers, lengths and map sizes in their shortest form', () => {
    const ints = [0, 23, 24, 255, 256, 65535, 65536, 4294967295, BigInt(4294967296), -1, -24, -25, -256, -257, -65536, -65537, -4294967296];
    expect(hex(ints)).toBe('910017181818ff19010019ffff1a000100001affffffff1b00000001000000002037381838ff39010039ffff3a000100003affffffff');
    const wide = { ...Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`k${i}`, i])), s: 'é'.repeat(12) + 'x'.repeat(100) };
    const entries = Array.from({ length: 24 }, (_, i) => `${(0x60 + `k${i}`.length).toString(16)}${Buffer.from(`k${i}`).toString('hex')}${i.toString(16).padStart(2, '0')}`);
    expect(hex(wide)).toBe(`b819${entries.join('')}6173787c${'c3a9'.repeat(12)}${'78'.repeat(100)}`);
    expect(hex([new Uint8Array(24), new Uint8Array(0), '', null, true, false])).toBe(`86581800${'00'.repeat(23)}4060f6f5f4`);
  });
});
