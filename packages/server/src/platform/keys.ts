import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HmacKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * Development only: a key generated at first start and kept in keysDir, so codes survive
 * a restart of `npm start`. Production passes its keys in the environment.
 */
export function loadDevelopmentHmacKey(keysDir: string, name: string): HmacKey {
  const file = join(keysDir, `${name}.key`);
  if (!existsSync(file)) {
    mkdirSync(keysDir, { recursive: true });
    writeFileSync(file, `dev-${Date.now().toString(36)}:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  const [id, secret] = readFileSync(file, 'utf8').trim().split(':');
  return { id: id!, key: Buffer.from(secret!, 'base64') };
}
