// contract/sso-contract.json is the reviewed, language-neutral statement of what SSO and its client
// packages agree on. `npm run contract` generates both packages' contract modules from it (the
// server imports the Node one); this suite fails when a generated module is stale, when @sso/client
// exports something else, or when a running server publishes something else, so none of the three
// can drift from the file unnoticed.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as contract from '../../client-sdk/node/src/index.ts';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { staleModules } from '../../contract/generate.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

interface ContractFile {
  scopes: string[];
  scope_claims: Record<string, string[]>;
  acr_values: Record<string, string>;
  access_token_claims: Record<string, string>;
  jwt_types: Record<string, string>;
  signing_algorithms: string[];
  token_types: Record<string, string>;
  grant_types: Record<string, string>;
  oauth_errors: Record<string, string>;
  client_errors: Record<string, { message: string; status: number; oauth_error?: string }>;
}

const file = JSON.parse(
  await readFile(new URL('../../contract/sso-contract.json', import.meta.url), 'utf8'),
) as ContractFile;

const sorted = (values: Iterable<string>) => [...values].sort();

describe('the checked-in contract file', () => {
  test('the generated contract modules of both packages are up to date (npm run contract)', async () => {
    const stale = (await staleModules()).map((path) => relative(process.cwd(), path));
    expect(stale).toEqual([]);
  });

  test('@sso/client exports exactly what the file says', () => {
    expect({
      scopes: contract.SCOPES,
      scope_claims: contract.SCOPE_CLAIMS,
      acr_values: contract.ACR_VALUES,
      access_token_claims: contract.ACCESS_TOKEN_CLAIMS,
      jwt_types: contract.JWT_TYPES,
      signing_algorithms: contract.SIGNING_ALGORITHMS,
      token_types: contract.TOKEN_TYPES,
      grant_types: contract.GRANT_TYPES,
      oauth_errors: contract.OAUTH_ERRORS,
      client_errors: Object.fromEntries(
        Object.entries(contract.ERROR_CODES).map(([code, meta]) => [
          code,
          {
            message: meta.message,
            status: meta.status,
            ...('oauthError' in meta ? { oauth_error: meta.oauthError } : {}),
          },
        ]),
      ),
    }).toEqual({ ...file, $comment: undefined });
  });

  describe('a running server publishes what the file says', () => {
    let sso: TestSso;
    let metadata: Record<string, unknown>;

    beforeAll(async () => {
      sso = await startTestSso();
      const response = await fetch(`${sso.issuer}/.well-known/openid-configuration`);
      metadata = (await response.json()) as Record<string, unknown>;
    });
    afterAll(async () => {
      await sso?.stop();
    });

    test('scopes (no API is registered, so only the OpenID scopes)', () => {
      expect(sorted(metadata.scopes_supported as string[])).toEqual(sorted(file.scopes));
    });

    test('claims: every claim of every scope, and the protocol claims', () => {
      const userClaims = Object.values(file.scope_claims).flat();
      const protocol = ['acr', 'amr', 'auth_time', 'iss', 'sid'];
      expect(sorted(metadata.claims_supported as string[])).toEqual(
        sorted(new Set([...userClaims, ...protocol])),
      );
    });

    test('acr values, grant types, signing algorithms', () => {
      expect(metadata.acr_values_supported).toEqual(Object.values(file.acr_values));
      expect(sorted(metadata.grant_types_supported as string[])).toEqual(
        sorted(Object.values(file.grant_types)),
      );
      expect(sorted(metadata.id_token_signing_alg_values_supported as string[])).toEqual(
        sorted(file.signing_algorithms),
      );
    });
  });
});
