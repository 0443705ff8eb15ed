// The list of oidc-provider behaviours SSO relies on beyond its documented configuration
// (provider/oidc/engine-dependencies.ts) is kept honest here: an engine upgrade stops this suite
// until the list is reviewed again, every test the list names exists, and the one behaviour no flow
// test covers (replay detection of DPoP proofs under concurrency) is probed directly.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as jose from 'jose';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  ENGINE_DEPENDENCIES,
  REVIEWED_ENGINE_VERSION,
} from '../../provider/oidc/engine-dependencies.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the engine dependencies list', () => {
  test('was reviewed against the installed oidc-provider version', async () => {
    const installed = JSON.parse(
      await readFile(`${ROOT}node_modules/oidc-provider/package.json`, 'utf8'),
    ) as { version: string };
    // If this fails after an upgrade: go through provider/oidc/engine-dependencies.ts against the
    // new version's changes, run the tests it names, then set REVIEWED_ENGINE_VERSION.
    expect(installed.version).toBe(REVIEWED_ENGINE_VERSION);
  });

  test.each(ENGINE_DEPENDENCIES.map((dependency) => [dependency.where, dependency] as const))(
    '%s: the tests it names exist',
    async (_where, dependency) => {
      for (const { file, titles } of dependency.tests) {
        const source = await readFile(`${ROOT}${file}`, 'utf8');
        for (const title of titles)
          expect({ file, title, found: source.includes(title) }).toEqual({
            file,
            title,
            found: true,
          });
      }
    },
  );
});

describeEachBackend('replay detection (%s store)', (backend) => {
  let sso: TestSso;
  let client: { clientId: string; secret: string | undefined };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    client = await sso.client({ type: 'confidential', grantTypes: ['client_credentials'] });
  });
  afterAll(async () => {
    await sso?.stop();
  });

  test('a DPoP proof is accepted once, however many requests present it at the same time', async () => {
    const { privateKey, publicKey } = await jose.generateKeyPair('ES256');
    const tokenEndpoint = `${sso.issuer}/token`;
    const jwk = await jose.exportJWK(publicKey);
    const newProof = () =>
      new jose.SignJWT({ htm: 'POST', htu: tokenEndpoint, jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setIssuedAt()
        .sign(privateKey);
    const present = async (proof: string) => {
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
          dpop: proof,
        },
        body: 'grant_type=client_credentials',
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const proof = await newProof();
    const answers = await Promise.all(Array.from({ length: 10 }, () => present(proof)));
    const accepted = answers.filter((answer) => answer.status === 200);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.body.token_type).toBe('DPoP');
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      // The engine does not say why ("grant request is invalid"); the next lines show it is reuse.
      expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
    expect((await present(proof)).status).toBe(400);
    expect((await present(await newProof())).status).toBe(200);
  });
});
