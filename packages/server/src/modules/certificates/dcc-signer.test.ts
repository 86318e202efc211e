import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kidOfCertificate } from '@prostopcovid/dcc';
import { DEVELOPMENT_CERT_FILE, DEVELOPMENT_KEY_FILE, loadOrCreateDevelopmentSigner, loadSignerFromFiles } from './dcc-signer.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'dcc-signer-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadOrCreateDevelopmentSigner', () => {
  it('creates the key pair and DSC once, then reloads them identically', async () => {
    const keysDir = join(tempDir(), 'keys');
    const now = new Date('2026-03-01T10:00:00.750Z');
    const first = await loadOrCreateDevelopmentSigner(keysDir, now);
    const keyPath = join(keysDir, DEVELOPMENT_KEY_FILE);
    const certPath = join(keysDir, DEVELOPMENT_CERT_FILE);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyPath, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(certPath, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);

    const second = await loadOrCreateDevelopmentSigner(keysDir);
    expect(second.certificateDer.equals(first.certificateDer)).toBe(true);
    expect(second.kid.equals(first.kid)).toBe(true);
    expect(second.privateKey.equals(first.privateKey)).toBe(true);
    expect(first.kid.equals(await kidOfCertificate(first.certificateDer))).toBe(true);
    expect(first.kid).toHaveLength(8);
  });

  it('builds a DSC Node parses and verifies: subject, validity, key usages', async () => {
    const now = new Date('2026-03-01T10:00:00.750Z');
    const signer = await loadOrCreateDevelopmentSigner(tempDir(), now);
    const cert = new X509Certificate(signer.certificateDer);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(signer.privateKey)).toBe(true);
    const subject = 'C=FR\nO=ProStopCovid (développement)\nCN=DSC développement';
    expect(cert.subject).toBe(subject);
    expect(cert.issuer).toBe(subject);
    expect(new Date(cert.validFrom).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2028-03-01T10:00:00.000Z');
    expect(cert.ca).toBe(false);
    // Node's `keyUsage` lists the extended key usage OIDs.
    expect(cert.keyUsage).toEqual(['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.1847.2021.1.3']);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.toLegacyObject().ext_key_usage).toEqual(cert.keyUsage);
  });

  it('refuses a directory with only half of the pair', async () => {
    const keysDir = tempDir();
    await loadOrCreateDevelopmentSigner(keysDir);
    rmSync(join(keysDir, DEVELOPMENT_CERT_FILE));
    await expect(loadOrCreateDevelopmentSigner(keysDir)).rejects.toThrow(/sans son pendant/);
  });
});

describe('loadSignerFromFiles', () => {
  it('loads a PEM key and certificate, and refuses a key that is not the certificate’s', async () => {
    const keysDir = tempDir();
    const signer = await loadOrCreateDevelopmentSigner(keysDir);
    const keyPath = join(keysDir, DEVELOPMENT_KEY_FILE);
    const certPath = join(keysDir, DEVELOPMENT_CERT_FILE);
    const loaded = await loadSignerFromFiles(keyPath, certPath);
    expect(loaded.kid.equals(signer.kid)).toBe(true);

    const otherKeyPath = join(keysDir, 'other.pem');
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(otherKeyPath, other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadSignerFromFiles(otherKeyPath, certPath)).rejects.toThrow(/ne correspond pas/);

    const rsaKeyPath = join(keysDir, 'rsa.pem');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(rsaKeyPath, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadSignerFromFiles(rsaKeyPath, certPath)).rejects.toThrow(/P-256/);
  });
});
