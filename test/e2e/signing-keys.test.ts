import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { discover } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

const API = 'https://api.example.test';

describeEachBackend(
  'signing keys: generated on first start and published (%s store)',
  (backend) => {
    let sso: TestSso;
    let worker: oidc.Configuration;

    beforeAll(async () => {
      sso = await startTestSso({ backend });
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
    test('the JWKS publishes one ES256 and one RS256 public key, with no private parts', async () => {
      const keys = await publishedKeys();
      expect(keys.map((key) => key.alg).sort()).toEqual(['ES256', 'RS256']);
      for (const key of keys) {
        expect(key).not.toHaveProperty('d');
        expect(key.use).toBe('sig');
      }
      // API tokens are signed with the published ES256 key (the default).
      const es256 = keys.find((key) => key.alg === 'ES256')!;
      expect((await signedKid()).kid).toBe(es256.kid);
    });
  },
);
