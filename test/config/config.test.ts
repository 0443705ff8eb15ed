import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../provider/config.ts';

describe('configuration', () => {
  test('defaults give a working local service', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      issuer: 'http://localhost:3000',
      basePath: '',
      port: 3000,
      dataDir: './data',
      mongodbUri: undefined,
      trustProxy: false,
      logLevel: 'info',
      refreshTokenGrace: 10,
      argon2: { memoryKib: 19456, iterations: 2, parallelism: 1 },
    });
    expect(config.ttl).toEqual({
      accessToken: 3600,
      apiAccessToken: 300,
      idToken: 3600,
      refreshToken: 14 * 86400,
      authorizationCode: 60,
      clientCredentials: 600,
      deviceCode: 600,
      session: 14 * 86400,
      grant: 14 * 86400,
      interaction: 600,
    });
  });

  test('values are parsed: durations, booleans, issuer path', () => {
    const config = loadConfig({
      SSO_ISSUER: 'https://id.example.com/auth/',
      SSO_TRUST_PROXY: 'yes',
      SSO_ACCESS_TOKEN_TTL: '15m',
      SSO_REFRESH_TOKEN_TTL: '30d',
      SSO_REFRESH_TOKEN_GRACE: '0',
      MONGODB_URI: 'mongodb://db.internal:27017/sso',
    });
    expect(config.issuer).toBe('https://id.example.com/auth');
    expect(config.basePath).toBe('/auth');
    expect(config.trustProxy).toBe(true);
    expect(config.ttl.accessToken).toBe(900);
    expect(config.ttl.refreshToken).toBe(30 * 86400);
    expect(config.refreshTokenGrace).toBe(0);
    expect(config.mongodbUri).toBe('mongodb://db.internal:27017/sso');
  });

  test('the configuration is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.ttl)).toBe(true);
  });

  test.each([
    ['SSO_PORT', 'eighty'],
    ['SSO_PORT', '70000'],
    ['SSO_ISSUER', 'not a url'],
    ['SSO_ISSUER', 'ftp://files.example.com'],
    ['SSO_ISSUER', 'https://id.example.com/?x=1'],
    ['SSO_TRUST_PROXY', 'maybe'],
    ['SSO_LOG_LEVEL', 'loud'],
    ['SSO_ACCESS_TOKEN_TTL', '1 hour'],
    ['SSO_ACCESS_TOKEN_TTL', '0'],
    ['SSO_ARGON2_MEMORY_KIB', '12'],
    ['MONGODB_URI', 'postgres://x'],
    ['SSO_DATA_DIR', '  '],
    ['SSO_COOKIE_SAMESITE', 'strict'],
    ['SSO_COOKIE_SAMESITE', 'none'], // with the default http issuer: browsers want None cookies Secure
    ['SSO_OUTGOING_ALLOWED_HOSTS', 'http://backchannel.internal/logout'],
  ])('%s=%j is refused with a message naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(
      new RegExp(`^invalid configuration: ${variable} `),
    );
  });

  test('the session cookie is SameSite=None for an https issuer and Lax for http, unless set', () => {
    const https = { SSO_ISSUER: 'https://id.example.com' };
    expect(loadConfig(https).cookieSameSite).toBe('none');
    expect(loadConfig({ ...https, SSO_COOKIE_SAMESITE: 'Lax' }).cookieSameSite).toBe('lax');
    expect(loadConfig({}).cookieSameSite).toBe('lax');
    expect(loadConfig({ SSO_COOKIE_SAMESITE: 'lax' }).cookieSameSite).toBe('lax');
  });

  test('allowed outgoing hosts are read as host or host:port, lower-case', () => {
    expect(loadConfig({}).outgoingAllowedHosts).toEqual([]);
    expect(
      loadConfig({ SSO_OUTGOING_ALLOWED_HOSTS: ' Logout.Internal:8443 , 10.0.0.7,' })
        .outgoingAllowedHosts,
    ).toEqual(['logout.internal:8443', '10.0.0.7']);
  });

  test('the service refuses to start on bad configuration with one line and exit code 1', () => {
    const result = spawnSync(process.execPath, ['provider/main.ts'], {
      env: {
        ...process.env,
        SSO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sso-config-')),
        SSO_ACCESS_TOKEN_TTL: 'forever',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'sso: invalid configuration: SSO_ACCESS_TOKEN_TTL must be a duration like 3600, 90s, 15m, 12h or 14d (got "forever")',
    ]);
    expect(result.stdout).toBe('');
  });
});
