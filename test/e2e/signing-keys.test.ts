import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import * as oidc from 'openid-client';
import { rotateSigningKeys } from '../../provider/keys/signing-keys.ts';
import { discover } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

const API = 'https://api.example.test';

describeEachBackend(
  'signing keys: generated on first start, published, rotated with overlap (%s store)',
  (backend) => {
    let sso: TestSso;
    let worker: oidc.Configuration;

    beforeAll(async () => {
      sso = await startTestSso({ backend, env: { SSO_KEY_REFRESH_INTERVAL: '1s' } });
      await sso.api({ audience: API, scopes: ['read'], accessTokenTtl: 60 });
      const client = await sso.client({
        type: 'confidential',
        name: 'Worker',
        grantTypes: ['client_credentials'],
        allowedApis: [API],
      });
      worker = await discover(sso.issuer, client.clientId, client.secret);
    });
    afterAll(async () => {
      await sso.stop();
    });

    const publishedKeys = async () => {
      const response = await fetch(worker.serverMetadata().jwks_uri!);
      return ((await response.json()) as jose.JSONWebKeySet).keys;
    };
    const signedKid = async () => {
      const { access_token: token } = await oidc.clientCredentialsGrant(worker, {
        scope: 'read',
        resource: API,
      });
      return { token, kid: jose.decodeProtectedHeader(token).kid! };
    };
    const until = async (check: () => Promise<boolean>, what: string) => {
      for (let i = 0; i < 100; i++) {
        if (await check()) return;
        await sleep(100);
      }
      throw new Error(`timed out waiting until ${what}`);
    };

    test('the JWKS publishes one ES256 and one RS256 public key, with no private parts', async () => {
      const keys = await publishedKeys();
      expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
      for (const key of keys) {
        expect(key).not.toHaveProperty('d');
        expect(key.use).toBe('sig');
      }
    });

    test('the keys are stored, so a restarted service keeps them', async () => {
      const set = await sso.store.keySets.get('signing');
      expect(set?.keys.map((key) => key.kid).sort()).toEqual(
        (await publishedKeys()).map((key) => key.kid).sort(),
      );
    });

    test('a rotation publishes first, signs later, and keeps the old key until its tokens expire', async () => {
      const before = await signedKid();
      const oldKids = new Set((await publishedKeys()).map((key) => key.kid));
      await rotateSigningKeys(sso.store, { activateAfter: 2, maxTokenLifetime: 3 });
      await sso.engine.refresh();

      // Published, not yet signing.
      const during = await publishedKeys();
      expect(during).toHaveLength(4);
      const newKids = during.map((key) => key.kid!).filter((kid) => !oldKids.has(kid));
      expect(newKids).toHaveLength(2);
      expect((await signedKid()).kid).toBe(before.kid);

      // After activation (picked up by the running service on its own), the new key signs and the
      // old one still verifies the tokens it signed.
      await until(async () => newKids.includes((await signedKid()).kid), 'the new key signs');
      const jwks = jose.createLocalJWKSet({ keys: await publishedKeys() });
      await expect(
        jose.jwtVerify(before.token, jwks, { issuer: sso.issuer, audience: API }),
      ).resolves.toBeDefined();

      // Once every token of the old key has expired, it leaves the JWKS.
      await until(async () => (await publishedKeys()).length === 2, 'the old keys are withdrawn');
      expect((await publishedKeys()).map((key) => key.kid).sort()).toEqual([...newKids].sort());
    });
  },
);
