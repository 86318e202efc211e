import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface PrivateJwk {
  kty: string;
  kid: string;
  alg: string;
  use: 'sig';
  [param: string]: unknown;
}

/**
 * Fresh in-memory signing keys (RS256 first: it is the default ID token alg).
 * Generated asynchronously because RSA generation can take up to a second.
 */
export async function generateSigningJwks(): Promise<{ keys: PrivateJwk[] }> {
  const [rsa, ec] = await Promise.all([
    generateKeyPairAsync('rsa', { modulusLength: 2048 }),
    generateKeyPairAsync('ec', { namedCurve: 'P-256' }),
  ]);
  return {
    keys: [
      { ...rsa.privateKey.export({ format: 'jwk' }), kty: 'RSA', kid: `rs256-${randomUUID()}`, alg: 'RS256', use: 'sig' },
      { ...ec.privateKey.export({ format: 'jwk' }), kty: 'EC', kid: `es256-${randomUUID()}`, alg: 'ES256', use: 'sig' },
    ],
  };
}
