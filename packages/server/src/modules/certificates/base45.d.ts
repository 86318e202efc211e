// The `base45` package (3.x) ships no type declarations.
declare module 'base45' {
  export function encode(input: Uint8Array | string): string;
  /** Lenient: characters outside the alphabet are not rejected (see hc1.ts). */
  export function decode(input: string): Buffer;
  const base45: { encode: typeof encode; decode: typeof decode };
  export default base45;
}
