// The standard claims (OIDC Core §5.1), the `claims` request parameter (§5.5) and acr/amr, as a
// relying party sees them: discovery, ID tokens and userinfo of real sign-ins, for a user whose
// profile was written by the CLI in another process.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as jose from 'jose';
import * as oidc from 'openid-client';
import { ACR_VALUES, SCOPE_CLAIMS } from '../../client-sdk/node/src/contract.ts';
import { cliSandboxFor, expectJson } from '../cli/cli-process.ts';
import {
  authorizationRequest,
  codeFlow,
  discover,
  REDIRECT_URI,
  signIn,
} from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, left, page, UserAgent } from '../support/user-agent.ts';

const PASSWORD = 'correct horse battery staple';

describeEachBackend('standard claims, claims parameter, acr and amr (%s store)', (backend) => {
  let sso: TestSso;
  let firstParty: oidc.Configuration;
  let thirdParty: oidc.Configuration;
  const credentials = { login: 'zoe', password: PASSWORD };

  beforeAll(async () => {
    sso = await startTestSso({ backend });
    const cli = cliSandboxFor(sso.storeEnv);
    const created = await cli.run(
      [
        'users',
        'add',
        'zoe',
        '--password-stdin',
        '--json',
        ...['--email', 'zoe@example.com', '--email-verified'],
        ...['--name', 'Zoe Q. Public', '--given-name', 'Zoe', '--family-name', 'Public'],
        ...['--middle-name', 'Quinn', '--nickname', 'Zed'],
        ...['--profile-url', 'https://people.example.com/zoe'],
        ...['--picture', 'https://people.example.com/zoe.png'],
        ...['--website', 'https://zoe.example.org/'],
        ...['--gender', 'female', '--birthdate', '0000-10-31'],
        ...['--zoneinfo', 'Europe/Paris', '--locale', 'fr-FR'],
        ...['--phone', '+33 1 23 45 67 89', '--phone-verified'],
        ...['--address-street', '10 rue de la Paix\\nBâtiment B', '--address-locality', 'Paris'],
        ...['--address-postal-code', '75002', '--address-country', 'France'],
        ...['--group', 'staff'],
      ],
      { stdin: `${PASSWORD}\n` },
    );
    expect(created.code).toBe(0);
    expectJson(created);
    const web = await sso.client({
      type: 'confidential',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
      firstParty: true,
    });
    firstParty = await discover(sso.issuer, web.clientId, web.secret);
    const other = await sso.client({
      type: 'confidential',
      name: 'Partner App',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
    });
    thirdParty = await discover(sso.issuer, other.clientId, other.secret);
  });
  afterAll(async () => {
    await sso?.stop();
  });

  const agent = () => new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
  const userinfo = async (accessToken: string) => {
    const response = await fetch(`${sso.issuer}/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  const idToken = (tokens: oidc.TokenEndpointResponse) => jose.decodeJwt(tokens.id_token!);

  test('discovery lists the phone and address scopes, every claim, the claims parameter and the acr values', () => {
    const metadata = firstParty.serverMetadata();
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['phone', 'address']));
    expect(metadata.claims_supported).toEqual(
      expect.arrayContaining([...Object.values(SCOPE_CLAIMS).flat(), 'acr', 'amr']),
    );
    expect(metadata.claims_parameter_supported).toBe(true);
    expect(metadata.acr_values_supported).toEqual([ACR_VALUES.password, ACR_VALUES.multiFactor]);
  });

  test('profile, phone and address scopes release what the CLI stored, in the standard shapes', async () => {
    const { tokens } = await codeFlow(firstParty, agent(), credentials, {
      scope: 'openid profile email phone address',
    });
    const claims = await userinfo(tokens.access_token);
    expect(claims).toEqual({
      sub: expect.any(String),
      preferred_username: 'zoe',
      updated_at: expect.any(Number),
      name: 'Zoe Q. Public',
      given_name: 'Zoe',
      family_name: 'Public',
      middle_name: 'Quinn',
      nickname: 'Zed',
      profile: 'https://people.example.com/zoe',
      picture: 'https://people.example.com/zoe.png',
      website: 'https://zoe.example.org/',
      gender: 'female',
      birthdate: '0000-10-31',
      zoneinfo: 'Europe/Paris',
      locale: 'fr-FR',
      email: 'zoe@example.com',
      email_verified: true,
      phone_number: '+33123456789',
      phone_number_verified: true,
      address: {
        street_address: '10 rue de la Paix\nBâtiment B',
        locality: 'Paris',
        postal_code: '75002',
        country: 'France',
      },
    });
  });

  test('every ID token says how the person signed in (acr, amr), asked for or not', async () => {
    const plain = await codeFlow(firstParty, agent(), credentials, { scope: 'openid' });
    expect(idToken(plain.tokens)).toMatchObject({ acr: ACR_VALUES.password, amr: ['pwd'] });
    const asked = await codeFlow(firstParty, agent(), credentials, {
      scope: 'openid',
      acr_values: ACR_VALUES.password,
    });
    expect(idToken(asked.tokens)).toMatchObject({ acr: ACR_VALUES.password, amr: ['pwd'] });
  });

  test('an essential acr SSO cannot give ends the request with unmet_authentication_requirements', async () => {
    const request = await authorizationRequest(firstParty, {
      scope: 'openid',
      claims: JSON.stringify({
        id_token: { acr: { essential: true, values: ['urn:example:loa:hardware-key'] } },
      }),
    });
    const callback = await signIn(agent(), request.url, credentials);
    expect(callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  test('the claims parameter releases single claims to the ID token and to userinfo', async () => {
    const { tokens } = await codeFlow(firstParty, agent(), credentials, {
      scope: 'openid',
      claims: JSON.stringify({
        id_token: { email: { essential: true }, locale: null },
        userinfo: { phone_number: null, nickname: null },
      }),
    });
    const id = idToken(tokens);
    expect(id).toMatchObject({ email: 'zoe@example.com', locale: 'fr-FR' });
    expect(id).not.toHaveProperty('nickname');
    expect(id).not.toHaveProperty('phone_number');
    const claims = await userinfo(tokens.access_token);
    expect(claims).toEqual({ sub: id.sub, phone_number: '+33123456789', nickname: 'Zed' });
  });

  test('a third-party app asking for single claims gets them only after the person sees them on the consent page', async () => {
    const browser = agent();
    const request = await authorizationRequest(thirdParty, {
      scope: 'openid',
      claims: JSON.stringify({ userinfo: { phone_number: null, birthdate: null } }),
    });
    const login = page(await browser.open(request.url.href));
    const consent = page(await browser.submit(formTo(login, '/login'), credentials));
    const listed = /<ul[^>]*id="consent-scopes"[^>]*>([\s\S]*?)<\/ul>/.exec(consent.html)?.[1];
    expect(listed).toContain('Your phone number');
    expect(listed).toContain('Your date of birth');
    const callback = left(await browser.submit(formTo(consent, '/confirm')));
    const tokens = await oidc.authorizationCodeGrant(thirdParty, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
      expectedNonce: request.nonce,
    });
    expect(await userinfo(tokens.access_token)).toEqual({
      sub: expect.any(String),
      phone_number: '+33123456789',
      birthdate: '0000-10-31',
    });
  });
});
