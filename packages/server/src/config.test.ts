import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has embedded defaults for development', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ env: 'development', port: 3000, publicUrl: 'http://localhost:3000', databaseUrl: undefined });
    expect(config.psc.issuer).toBeUndefined();
    expect(Object.isFrozen(config.psc)).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer/],
    [{ PSC_ISSUER: 'not a url' }, /PSC_ISSUER must be an absolute URL/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be/],
    [{ NODE_ENV: 'production' }, /PSC_ISSUER is required in production/],
    [{ NODE_ENV: 'production', PSC_ISSUER: 'https://psc.example', PSC_CLIENT_SECRET: 's' }, /DATABASE_URL is required/],
    [{ NODE_ENV: 'production', PSC_ISSUER: 'https://psc.example', PSC_CLIENT_SECRET: 's', DATABASE_URL: 'postgres://db/x' }, /CODE_HMAC_KEYS is required/],
    [{ NODE_ENV: 'production', PSC_ISSUER: 'https://psc.example', PSC_CLIENT_SECRET: 's', DATABASE_URL: 'postgres://db/x', CODE_HMAC_KEYS: `k:${Buffer.alloc(32).toString('base64')}` }, /LAB_RETRIEVAL_KEYS is required/],
    [{ NODE_ENV: 'production', PSC_ISSUER: 'https://psc.example', PSC_CLIENT_SECRET: 's', DATABASE_URL: 'postgres://db/x', CODE_HMAC_KEYS: `k:${Buffer.alloc(32).toString('base64')}`, LAB_RETRIEVAL_KEYS: `r:${Buffer.alloc(32, 3).toString('base64')}`, DSC_KEY_FILE: '/k', DSC_CERT_FILE: '/c', PUBLIC_URL: 'http://x' }, /PUBLIC_URL must be https/],
    [{ LAB_RETRIEVAL_KEYS: 'r:c2hvcnQ=' }, /LAB_RETRIEVAL_KEYS must be a comma-separated list of id:base64key with keys of at least 32 bytes/],
    [{ LAB_LONG_CODES_PER_DAY: '0' }, /LAB_LONG_CODES_PER_DAY must be an integer/],
    [{ CODE_HMAC_KEYS: 'k1:c2hvcnQ=' }, /at least 32 bytes/],
    [{ NODE_ENV: 'production', PSC_ISSUER: 'http://psc.example', PSC_CLIENT_SECRET: 's', DATABASE_URL: 'postgres://db/x', CODE_HMAC_KEYS: `k:${Buffer.alloc(32).toString('base64')}`, LAB_RETRIEVAL_KEYS: `r:${Buffer.alloc(32, 3).toString('base64')}`, DSC_KEY_FILE: '/k', DSC_CERT_FILE: '/c', PUBLIC_URL: 'https://x' }, /PSC_ISSUER must be https/],
    [{ NODE_ENV: 'production', PSC_ISSUER: 'https://psc.example', PSC_CLIENT_SECRET: 's', DATABASE_URL: 'postgres://db/x', CODE_HMAC_KEYS: `k:${Buffer.alloc(32).toString('base64')}`, LAB_RETRIEVAL_KEYS: `r:${Buffer.alloc(32, 3).toString('base64')}`, DSC_KEY_FILE: '/k', DSC_CERT_FILE: '/c', PUBLIC_URL: 'https://x' }, /ROBERT_ECDH_KEY_FILE, ROBERT_KEY_ENCRYPTION_KEY and ROBERT_FEDERATION_KEY are required/],
    [{ ROBERT_KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') }, /ROBERT_KEY_ENCRYPTION_KEY must be the Base64 of exactly 32 random bytes/],
    [{ ROBERT_CAPTCHA: 'yes' }, /ROBERT_CAPTCHA must be on or off/],
    [{ ROBERT_SCORING_DELTAS: '39,x' }, /ROBERT_SCORING_DELTAS/],
    [{ ROBERT_TIME_START: '2020-06-02' }, /ROBERT_TIME_START must be a UTC instant/],
    [{ PUBLIC_URL: 'http://localhost:3000/portal' }, /without a path/],
    [{ TRUST_PROXY: 'everyone' }, /TRUST_PROXY must be/],
    [{ CODE_HMAC_KEYS: `a:${Buffer.alloc(32).toString('base64')},a:${Buffer.alloc(32).toString('base64')}` }, /duplicate key ids/],
    [{ CODE_TTL_MINUTES: '0' }, /CODE_TTL_MINUTES must be an integer/],
  ])('refuses %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads TRUST_PROXY as a list of proxies', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({}).trustProxy).toBe(false);
  });

  it('accepts a complete production configuration with secure cookies', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PSC_ISSUER: 'https://psc.example/realm/',
      PSC_CLIENT_SECRET: 's',
      DATABASE_URL: 'postgres://db/x',
      PUBLIC_URL: 'https://pro.example',
      CODE_HMAC_KEYS: `k:${Buffer.alloc(32).toString('base64')}`,
      LAB_RETRIEVAL_KEYS: `r:${Buffer.alloc(32, 3).toString('base64')}`,
      DSC_KEY_FILE: '/k',
      DSC_CERT_FILE: '/c',
      ROBERT_ECDH_KEY_FILE: '/robert.pem',
      ROBERT_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      ROBERT_FEDERATION_KEY: Buffer.alloc(16, 2).toString('base64'),
    });
    expect(config.robert.keyEncryptionKey).toHaveLength(32);
    expect(config.robert.federationKey).toHaveLength(16);
    expect(config.codes.hmacKeys).toHaveLength(1);
    expect(config.labs.retrievalKeys).toHaveLength(1);
    expect(config.psc.issuer).toBe('https://psc.example/realm');
    expect(config.session.cookies).toEqual({ session: '__Host-pscv_session', login: '__Host-pscv_login', secure: true, hsts: true });
  });

  it('names the cookies without the __Host- prefix on plain HTTP, and sends no HSTS in development', () => {
    expect(loadConfig({}).session.cookies).toEqual({ session: 'pscv_session', login: 'pscv_login', secure: false, hsts: false });
    expect(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'http://app.test' }).session.cookies).toMatchObject({ session: 'pscv_session', secure: true, hsts: true });
  });
});
