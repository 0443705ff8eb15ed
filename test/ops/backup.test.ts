// Backups as an operator makes and uses them: `sso store backup` of a running SSO to a directory
// and to S3 (moto's server, through the AWS SDK), `sso store restore` into a fresh store, and SSO
// started on it at the same issuer: a token issued before the backup still verifies against the
// restored JWKS and is active at introspection, the old client secret and password still work.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const API = 'https://api.example.test/ledger';
const PASSWORD = 'Backup-Restore-Passphrase-9';

function sso(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, ['provider/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
}

interface Issued {
  source: TestSso;
  masterKey: string;
  token: string;
  worker: { clientId: string; secret: string };
  resourceServer: { clientId: string; secret: string };
  web: { clientId: string; secret: string };
}

// A running SSO with a user, an API, its clients, and a token issued for the API.
async function issue(): Promise<Issued> {
  const masterKey = newMasterKeyText();
  const source = await startTestSso({ env: { SSO_MASTER_KEY: masterKey } });
  await source.user({ username: 'grace', email: 'grace@example.com' }, PASSWORD);
  await source.api({ audience: API, scopes: ['ledger:read'] });
  const worker = await source.client({
    type: 'confidential',
    grantTypes: ['client_credentials'],
    allowedApis: [API],
  });
  const resourceServer = await source.client({
    type: 'confidential',
    grantTypes: ['client_credentials'],
    resourceServerFor: [API],
  });
  const web = await source.client({
    type: 'confidential',
    grantTypes: ['authorization_code'],
    redirectUris: [REDIRECT_URI],
    firstParty: true,
  });
  // A sign-in, which the audit log keeps.
  const webConfig = await discover(source.issuer, web.clientId, web.secret);
  const agent = new UserAgent({ ssoOrigin: new URL(source.issuer).origin });
  await codeFlow(webConfig, agent, { login: 'grace', password: PASSWORD });
  const config = await discover(source.issuer, worker.clientId, worker.secret);
  const { access_token: token } = await oidc.clientCredentialsGrant(config, { resource: API });
  return {
    source,
    masterKey,
    token,
    worker: { clientId: worker.clientId, secret: worker.secret! },
    resourceServer: { clientId: resourceServer.clientId, secret: resourceServer.secret! },
    web: { clientId: web.clientId, secret: web.secret! },
  };
}

// Backs up `issued.source` to `target`, restores into a new directory, starts SSO there at the
// same issuer, and checks what must still work.
async function roundTrip(issued: Issued, target: string, extraEnv: Record<string, string> = {}) {
  const { source, masterKey } = issued;
  let sourceRunning = true;
  try {
    const made = sso(['store', 'backup', '--to', target, '--json'], {
      ...source.storeEnv,
      SSO_MASTER_KEY: masterKey,
      ...extraEnv,
    });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const manifest = JSON.parse(made.stdout) as {
      location: string;
      counts: Record<string, number>;
      masterKeyId: string;
    };
    expect(manifest.location.startsWith(target.replace(/\/$/, ''))).toBe(true);
    // Two key sets, the user, our three clients (and SSO's own two), the API (and the admin API).
    expect(manifest.counts).toMatchObject({ accounts: 1, keySets: 2, clients: 5, apis: 2 });
    expect(manifest.counts.auditEvents).toBeGreaterThan(0);

    const restoredDir = mkdtempSync(join(tmpdir(), 'sso-restored-'));
    const restored = sso(['store', 'restore', '--from', manifest.location, '--json'], {
      SSO_DATA_DIR: restoredDir,
      SSO_MASTER_KEY: masterKey,
      ...extraEnv,
    });
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({
      copied: { accounts: 1, clients: 5, apis: 2, keySets: 2 },
      auditEvents: manifest.counts.auditEvents,
    });

    // The old server goes; the new one answers at the same issuer on the restored store.
    const issuer = source.issuer;
    const port = new URL(issuer).port;
    await source.stop();
    sourceRunning = false;
    const next = await startTestSso({
      env: {
        SSO_DATA_DIR: restoredDir,
        SSO_MASTER_KEY: masterKey,
        SSO_PORT: port,
        SSO_ISSUER: issuer,
      },
    });
    try {
      const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
      const { payload } = await jose.jwtVerify(issued.token, jwks, { issuer, audience: API });
      expect(payload.client_id).toBe(issued.worker.clientId);

      const asResourceServer = await discover(
        issuer,
        issued.resourceServer.clientId,
        issued.resourceServer.secret,
      );
      // A backup holds no protocol records (tokens, grants, sessions: README, Backups), so the old
      // token is no longer known at introspection, while an API verifying it locally accepts it
      // until it expires; tokens issued after the restore introspect as usual.
      expect(await oidc.tokenIntrospection(asResourceServer, issued.token)).toEqual({
        active: false,
      });
      // The old secret still gets tokens, and the old password still signs in.
      const worker = await discover(issuer, issued.worker.clientId, issued.worker.secret);
      const fresh = await oidc.clientCredentialsGrant(worker, { resource: API });
      expect(await oidc.tokenIntrospection(asResourceServer, fresh.access_token)).toMatchObject({
        active: true,
        client_id: issued.worker.clientId,
        aud: API,
      });
      const web = await discover(issuer, issued.web.clientId, issued.web.secret);
      const agent = new UserAgent({ ssoOrigin: new URL(issuer).origin });
      const { tokens } = await codeFlow(web, agent, { login: 'grace', password: PASSWORD });
      expect(tokens.claims()?.iss).toBe(issuer);
    } finally {
      await next.stop();
      rmSync(restoredDir, { recursive: true, force: true });
    }
    return manifest;
  } finally {
    if (sourceRunning) await source.stop();
  }
}

describe('sso store backup and restore, to a directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sso-backups-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('restored into a fresh store, SSO verifies the old token and signs people in', async () => {
    const issued = await issue();
    const manifest = await roundTrip(issued, dir);
    // Nothing secret in the clear: not the client secrets, not the private keys.
    const records = readFileSync(join(manifest.location, 'records.enc'));
    const audit = readFileSync(join(manifest.location, 'audit.jsonl'), 'utf8');
    for (const secret of [issued.worker.secret, issued.web.secret, issued.resourceServer.secret]) {
      expect(records.includes(secret)).toBe(false);
      expect(audit.includes(secret)).toBe(false);
    }
    expect(records.includes('"d"')).toBe(false);
    expect(
      audit
        .split('\n')
        .filter(Boolean)
        .every((line) => JSON.parse(line) as unknown),
    ).toBe(true);
  }, 90_000);

  test('a wrong master key, a damaged file and a store that is not new are refused', async () => {
    const issued = await issue();
    try {
      const made = sso(['store', 'backup', '--to', dir, '--json'], {
        ...issued.source.storeEnv,
        SSO_MASTER_KEY: issued.masterKey,
      });
      expect(made.status).toBe(0);
      const { location } = JSON.parse(made.stdout) as { location: string };

      const fresh = mkdtempSync(join(tmpdir(), 'sso-restored-'));
      const wrongKey = sso(['store', 'restore', '--from', location], {
        SSO_DATA_DIR: fresh,
        SSO_MASTER_KEY: newMasterKeyText(),
      });
      expect(wrongKey.status).toBe(1);
      expect(wrongKey.stderr).toMatch(/master key/);

      // The source store itself is not new: its keys differ from nothing, but a second SSO's do.
      const other = await startTestSso({ env: { SSO_MASTER_KEY: issued.masterKey } });
      const notNew = sso(['store', 'restore', '--from', location], {
        ...other.storeEnv,
        SSO_MASTER_KEY: issued.masterKey,
      });
      await other.stop();
      expect(notNew.status).toBe(1);
      expect(notNew.stderr).toMatch(/new, empty store/);

      const records = join(location, 'records.enc');
      const bytes = readFileSync(records);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
      writeFileSync(records, bytes);
      const damaged = sso(['store', 'restore', '--from', location], {
        SSO_DATA_DIR: fresh,
        SSO_MASTER_KEY: issued.masterKey,
      });
      expect(damaged.status).toBe(1);
      expect(damaged.stderr).toMatch(/damaged/);
      expect(damaged.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      rmSync(fresh, { recursive: true, force: true });
    } finally {
      await issued.source.stop().catch(() => undefined);
    }
  }, 90_000);
});

describe('sso store backup and restore, to S3 (moto)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'sso-backups' }));
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });

  test('backup to s3://bucket/prefix and restore from there', async () => {
    const issued = await issue();
    const manifest = await roundTrip(issued, 's3://sso-backups/prod/sso', moto.env);
    expect(manifest.location).toMatch(/^s3:\/\/sso-backups\/prod\/sso\/\d{4}-\d\d-\d\dT/);
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'sso-backups', Prefix: 'prod/sso/' }),
    );
    expect((listed.Contents ?? []).map((object) => object.Key!.split('/').pop()).sort()).toEqual([
      'audit.jsonl',
      'manifest.json',
      'records.enc',
    ]);
  }, 90_000);
});
