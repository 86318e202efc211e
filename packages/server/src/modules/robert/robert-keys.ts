import { createECDH, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type ECDH } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { loadDevelopmentHmacKey } from '../../platform/keys.js';
import { openAesGcm, sealAesGcm } from './robert-crypto.js';
import * as repo from './robert.repository.js';

export interface RobertSecrets {
  /** The server's ECDH key, ready for key agreement. */
  ecdh: ECDH;
  /** SubjectPublicKeyInfo DER, as /config gives it to phones. */
  ecdhPublicSpki: Buffer;
  /** Seals daily keys and registrations' shared keys at rest. */
  keyEncryptionKey: Buffer;
  /** K_G: hides the country in the ECC. */
  federationKey: Buffer;
  /** Signs proof-of-work challenges. */
  captchaKey: Buffer;
}

/** Keys from the configuration, or development keys generated once in keysDir. */
export async function loadRobertSecrets(
  settings: { ecdhKeyFile: string | undefined; keyEncryptionKey: Buffer | undefined; federationKey: Buffer | undefined },
  keysDir: string,
): Promise<RobertSecrets> {
  const pem = settings.ecdhKeyFile ? await readFile(settings.ecdhKeyFile, 'utf8') : developmentEcdhKey(keysDir);
  const ecdhPrivateKey = createPrivateKey(pem);
  if (ecdhPrivateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('ROBERT_ECDH_KEY_FILE must hold a P-256 private key');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(ecdhPrivateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const keyEncryptionKey = settings.keyEncryptionKey ?? loadDevelopmentHmacKey(keysDir, 'robert-kek').key;
  return {
    ecdh,
    ecdhPublicSpki: createPublicKey(ecdhPrivateKey).export({ format: 'der', type: 'spki' }),
    keyEncryptionKey,
    federationKey: settings.federationKey ?? loadDevelopmentHmacKey(keysDir, 'robert-federation').key.subarray(0, 16),
    captchaKey: createHmac('sha256', keyEncryptionKey).update('robert captcha').digest(),
  };
}

function developmentEcdhKey(keysDir: string): string {
  const file = join(keysDir, 'robert-ecdh.pem');
  if (!existsSync(file)) {
    mkdirSync(keysDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8');
}

type Executor = Kysely<Database> | Transaction<Database>;

const dayAad = (day: number) => Buffer.from(`robert-ks:${day}`);

/**
 * The daily EBID keys K_S: random, created on first use by whichever process needs them first,
 * kept sealed in the database, cached here once opened. A day's key is found again from an
 * EBID's epoch, so keys live as long as the exposures they explain (14 days) and are then deleted.
 */
export class DailyKeys {
  private readonly cache = new Map<number, Buffer>();

  constructor(
    private readonly db: Db,
    private readonly keyEncryptionKey: Buffer,
  ) {}

  /** Keys of these days, created when missing (register and status hand out future EBIDs). */
  async ensure(days: readonly number[]): Promise<Map<number, Buffer>> {
    const missing = days.filter((day) => !this.cache.has(day));
    if (missing.length > 0) {
      await repo.insertServerKeys(
        this.db,
        missing.map((day) => ({ day, key_sealed: sealAesGcm(this.keyEncryptionKey, randomBytes(24), dayAad(day)) })),
      );
      await this.load(missing);
    }
    return new Map(days.map((day) => [day, this.cache.get(day)!]));
  }

  /** The key of a day if it exists; validation never creates one. Inside a transaction, pass it. */
  async find(day: number, db: Executor = this.db): Promise<Buffer | undefined> {
    if (!this.cache.has(day)) await this.load([day], db);
    return this.cache.get(day);
  }

  forget(beforeDay: number): void {
    for (const day of this.cache.keys()) if (day < beforeDay) this.cache.delete(day);
  }

  private async load(days: number[], db: Executor = this.db): Promise<void> {
    for (const row of await repo.findServerKeys(db, days)) {
      this.cache.set(row.day, openAesGcm(this.keyEncryptionKey, row.key_sealed, dayAad(row.day)));
    }
  }
}
