// The admin API over real HTTP, on both stores: every operation, its authorization, and bad input.
// Every response is checked against the OpenAPI document the server serves (support/openapi.ts),
// and the last test fails if an operation of the document was never called.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import * as jose from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { adminApiAudience, CONSOLE_CLIENT_ID } from '../../provider/administration/system.ts';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';
import { AdminApi, clientCredentialsToken } from './support/admin-api.ts';

type Json = Record<string, unknown>;
type Page<T = Json> = { items: T[]; next?: string };

describeEachBackend('admin API (%s store)', (backend) => {
  let sso: TestSso;
  let api: AdminApi;
  let token: string;
  let receiver: Server;
  let receiverPort: number;
  const logoutTokens: string[] = [];
  let serial = 0;
  const unique = (name: string) => `${name}-${++serial}`;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const logoutToken = new URLSearchParams(body).get('logout_token');
        if (logoutToken) logoutTokens.push(logoutToken);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverPort = (receiver.address() as AddressInfo).port;
    sso = await startTestSso({
      backend,
      env: { SSO_OUTGOING_ALLOWED_HOSTS: `127.0.0.1:${receiverPort}` },
    });
    api = await AdminApi.of(sso);
    token = await api.machineToken();
  });
  afterAll(async () => {
    await sso?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const newUser = async (fields: Json = {}) => {
    const username = unique('user');
    const created = await api.call<Json>('POST', '/users', {
      token,
      body: {
        username,
        email: `${username}@example.com`,
        password: 'a long password 1',
        ...fields,
      },
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  // A person signs in to an app (with back-channel logout) through SSO's pages.
  const signedInUser = async () => {
    const user = await newUser();
    const app = await sso.client({
      type: 'confidential',
      name: unique('Web App'),
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: [REDIRECT_URI],
      backchannelLogoutUri: `http://127.0.0.1:${receiverPort}/logout`,
      firstParty: true,
    });
    const config = await discover(sso.issuer, app.clientId, app.secret);
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const { tokens } = await codeFlow(config, agent, {
      login: String(user.username),
      password: 'a long password 1',
    });
    return { user, app, config, tokens };
  };

  describe('authorization', () => {
    test('without a token: 401 with a Bearer challenge; the document itself is public', async () => {
      const answer = await api.call('GET', '/users');
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ code: 'unauthorized', status: 401 });
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="sso-admin"/);
      expect((await api.call('GET', '/openapi.json')).status).toBe(200);
    });

    test('a token SSO did not issue, or for another API, is invalid_token', async () => {
      const forged = await api.call('GET', '/users', { token: 'not-a-token-SSO-issued' });
      expect(forged.status).toBe(401);
      expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const audience = `https://${unique('orders')}.example.com`;
      await sso.api({ audience, scopes: ['orders:read'], tokenFormat: 'opaque' });
      const other = await sso.client({
        type: 'confidential',
        grantTypes: ['client_credentials'],
        allowedApis: [audience],
      });
      const otherToken = await clientCredentialsToken(
        sso,
        other.clientId,
        other.secret!,
        'orders:read',
        audience,
      );
      const wrongAudience = await api.call('GET', '/users', { token: otherToken });
      expect(wrongAudience.status).toBe(401);
      expect(wrongAudience.body).toMatchObject({
        detail: 'the access token is not for the admin API',
      });
      const malformed = await api.call('GET', '/users', {
        headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      });
      expect(malformed.status).toBe(401);
    });

    test('admin:read reads but cannot change; the refusal names the scope', async () => {
      const reader = await api.machineToken('admin:read');
      expect((await api.call('GET', '/clients', { token: reader })).status).toBe(200);
      const refused = await api.call('POST', '/apis', {
        token: reader,
        body: { audience: 'https://refused.example.com', scopes: ['x'] },
      });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'insufficient_scope' });
      expect(refused.headers.get('www-authenticate')).toContain('scope="admin:write"');
      expect(
        (await api.call<Json[]>('GET', '/apis', { token })).body.map((a) => a.audience),
      ).not.toContain('https://refused.example.com');
    });

    test('a machine client limited to admin:read gets no more, whatever it asks for', async () => {
      const audience = adminApiAudience(sso.issuer);
      const created = await api.call<Json>('POST', '/clients', {
        token,
        body: {
          name: 'Reporting',
          type: 'confidential',
          grantTypes: ['client_credentials'],
          allowedApis: [audience],
          apiScopes: { [audience]: ['admin:read'] },
        },
      });
      expect(created.body.apiScopes).toEqual({ [audience]: ['admin:read'] });
      const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
      await expect(
        clientCredentialsToken(sso, clientId, clientSecret, 'admin:read admin:write'),
      ).rejects.toThrow(/invalid_scope/);
      const response = await fetch(`${sso.issuer}/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: audience }),
      });
      const granted = (await response.json()) as { access_token: string; scope: string };
      expect(granted.scope).toBe('admin:read');
      expect((await api.call('GET', '/users', { token: granted.access_token })).status).toBe(200);
      const refused = await api.call('POST', '/apis', {
        token: granted.access_token,
        body: { audience: 'https://never.example.com', scopes: ['x'] },
      });
      expect(refused.status).toBe(403);
      const bad = await api.call<Json>('POST', '/clients', {
        token,
        body: {
          type: 'confidential',
          grantTypes: ['client_credentials'],
          allowedApis: [audience],
          apiScopes: { [audience]: ['admin:everything'] },
        },
      });
      expect(bad).toMatchObject({ status: 400, body: { errors: [{ pointer: '/apiScopes' }] } });
    });

    test("a person's token works only while they are an administrator", async () => {
      const app = await sso.client({
        type: 'confidential',
        name: 'Admin tool',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
        allowedApis: [adminApiAudience(sso.issuer)],
        firstParty: true,
      });
      const config = await discover(sso.issuer, app.clientId, app.secret);
      const tokenOf = async (login: string) => {
        const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
        const { tokens } = await codeFlow(
          config,
          agent,
          { login, password: 'a long password 1' },
          { resource: adminApiAudience(sso.issuer), scope: 'openid admin:read admin:write' },
        );
        return tokens.access_token;
      };
      const person = await newUser();
      const personal = await tokenOf(String(person.username));
      const refused = await api.call('GET', '/users', { token: personal });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'forbidden' });

      const admin = await newUser({ groups: ['sso-admins'] });
      const adminToken = await tokenOf(String(admin.username));
      expect((await api.call('GET', '/users', { token: adminToken })).status).toBe(200);
      // Taken out of the group: refused at once, with the same token.
      const current = await api.call('GET', `/users/${String(admin.id)}`, { token });
      await api.call('PATCH', `/users/${String(admin.id)}`, {
        token,
        headers: { 'If-Match': current.headers.get('etag')! },
        body: { groups: [] },
      });
      expect((await api.call('GET', '/users', { token: adminToken })).status).toBe(403);
    });

    test("a disabled client's token is refused at once, and accepted again once it is enabled", async () => {
      const machine = await sso.client({
        type: 'confidential',
        name: 'Soon disabled',
        grantTypes: ['client_credentials'],
        allowedApis: [adminApiAudience(sso.issuer)],
      });
      const machineToken = await clientCredentialsToken(
        sso,
        machine.clientId,
        machine.secret!,
        'admin:read',
      );
      expect((await api.call('GET', '/keys', { token: machineToken })).status).toBe(200);
      const disabled = await api.call('PATCH', `/clients/${machine.clientId}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { disabled: true },
      });
      expect(disabled.body).toMatchObject({ disabled: true });
      expect((await api.call('GET', '/keys', { token: machineToken })).status).toBe(401);
      await expect(
        clientCredentialsToken(sso, machine.clientId, machine.secret!, 'admin:read'),
      ).rejects.toThrow(/invalid_client/);
      await api.call('PATCH', `/clients/${machine.clientId}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { disabled: false },
      });
      expect((await api.call('GET', '/keys', { token: machineToken })).status).toBe(200);
    });
  });

  describe('users', () => {
    test('create, read, search and page, with ETags', async () => {
      const created = await api.call<Json>('POST', '/users', {
        token,
        body: {
          username: 'Zelda',
          email: 'Zelda@Example.com',
          name: 'Zelda Fitzgerald',
          groups: ['writers'],
          password: 'a long password 1',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        username: 'zelda',
        email: 'zelda@example.com',
        emailVerified: false,
        hasPassword: true,
        version: 1,
      });
      expect(created.headers.get('etag')).toBe('"1"');
      expect(created.headers.get('location')).toBe(`${api.root}/users/${String(created.body.id)}`);
      expect(await sso.accounts.authenticate('zelda', 'a long password 1')).toBeDefined();
      const read = await api.call<Json>('GET', `/users/${String(created.body.id)}`, { token });
      expect(read.body).toEqual(created.body);

      for (const name of ['zach', 'zoe', 'zora']) await newUser({ username: name });
      const first = await api.call<Page>('GET', '/users?search=Z&limit=2', { token });
      expect(first.body.items.map((u) => u.username)).toEqual(['zach', 'zelda']);
      expect(first.body.next).toBeDefined();
      const second = await api.call<Page>(
        'GET',
        `/users?search=z&limit=2&cursor=${first.body.next!}`,
        { token },
      );
      expect(second.body.items.map((u) => u.username)).toEqual(['zoe', 'zora']);
      expect(second.body.next).toBeUndefined();
      const writers = await api.call<Page>('GET', '/users?group=writers', { token });
      expect(writers.body.items.map((u) => u.username)).toEqual(['zelda']);
    });

    test('a change needs If-Match: missing 428, stale 412 (nothing changed), current 200', async () => {
      const user = await newUser({ name: 'Before' });
      const path = `/users/${String(user.id)}`;
      const missing = await api.call('PATCH', path, { token, body: { name: 'After' } });
      expect(missing.status).toBe(428);
      expect(missing.body).toMatchObject({ code: 'precondition_required' });
      const first = await api.call<Json>('PATCH', path, {
        token,
        headers: { 'If-Match': '"1"' },
        body: { name: 'First admin' },
      });
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe('"2"');
      // A second admin still holding version 1 cannot overwrite the first one's change.
      const stale = await api.call('PATCH', path, {
        token,
        headers: { 'If-Match': '"1"' },
        body: { name: 'Second admin' },
      });
      expect(stale.status).toBe(412);
      expect(stale.body).toMatchObject({ code: 'precondition_failed' });
      expect((await api.call<Json>('GET', path, { token })).body).toMatchObject({
        name: 'First admin',
        version: 2,
      });
    });

    test('a new email is unverified unless the change says so', async () => {
      const user = await newUser({ emailVerified: true });
      const changed = await api.call<Json>('PATCH', `/users/${String(user.id)}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { email: 'moved@example.org' },
      });
      expect(changed.body).toMatchObject({ email: 'moved@example.org', emailVerified: false });
    });

    test('set a password; unlock; delete ends everything of the user', async () => {
      const { user, config, tokens } = await signedInUser();
      const id = String(user.id);
      const set = await api.call('PUT', `/users/${id}/password`, {
        token,
        body: { password: 'another long password' },
      });
      expect(set.status).toBe(200);
      expect(
        await sso.accounts.authenticate(String(user.username), 'another long password'),
      ).toBeDefined();
      const unlocked = await api.call<Json>('POST', `/users/${id}/unlock`, { token });
      expect(unlocked.body).toEqual({
        username: user.username,
        lifted: false,
        addressLifted: false,
      });
      const removed = await api.call<Json>('DELETE', `/users/${id}`, { token });
      expect(removed.body).toMatchObject({ id, username: user.username });
      expect((await api.call('GET', `/users/${id}`, { token })).status).toBe(404);
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    });

    test('a common password is refused (400); a reset link needs mail, which is not set up here (403)', async () => {
      const user = await newUser();
      const common = await api.call<Json>('PUT', `/users/${String(user.id)}/password`, {
        token,
        body: { password: 'password123' },
      });
      expect([common.status, common.body.code]).toEqual([400, 'invalid_input']);
      // Sending links by mail is in test/e2e/password-reset.test.ts, with a mail server.
      const reset = await api.call<Json>('POST', `/users/${String(user.id)}/password-reset`, {
        token,
      });
      expect(reset.status).toBe(403);
      expect(reset.body).toMatchObject({
        code: 'forbidden',
        detail: 'Password reset by email is not set up here: SSO has no mail server (SSO_SMTP_URL)',
      });
    });

    test('disabling ends the sessions and tells the apps; enabling lets the user back in', async () => {
      const { user, app, config, tokens } = await signedInUser();
      const before = logoutTokens.length;
      const disabled = await api.call<Json>('PATCH', `/users/${String(user.id)}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { disabled: true },
      });
      expect(disabled.body).toMatchObject({ disabled: true });
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
      expect(
        await api.call<Json[]>('GET', `/users/${String(user.id)}/sessions`, { token }),
      ).toMatchObject({
        body: [],
      });
      expect(logoutTokens.length).toBe(before + 1);
      expect(jose.decodeJwt(logoutTokens.at(-1)!)).toMatchObject({
        aud: app.clientId,
        sid: tokens.claims()!.sid,
      });
      await api.call('PATCH', `/users/${String(user.id)}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { disabled: false },
      });
      expect(
        await sso.accounts.authenticate(String(user.username), 'a long password 1'),
      ).toBeDefined();
    });
  });

  describe('second factors', () => {
    test("an administrator removes a user's second factors (a lost device); mfaRequired is settable", async () => {
      const user = await newUser({ mfaRequired: true });
      expect(user).toMatchObject({
        mfaRequired: true,
        secondFactors: { totp: false, passkeys: 0, recoveryCodesLeft: 0 },
      });
      const account = (await sso.accounts.get(String(user.id)))!;
      await sso.store.accounts.replace({
        ...account,
        totp: { secret: 'JBSWY3DPEHPK3PXP', confirmedAt: Date.now() },
        recoveryCodes: { salt: 's', hashes: ['a', 'b'], createdAt: Date.now() },
      });
      const before = await api.call<Json>('GET', `/users/${String(user.id)}`, { token });
      expect(before.body.secondFactors).toEqual({ totp: true, passkeys: 0, recoveryCodesLeft: 2 });
      const reset = await api.call<Json>('DELETE', `/users/${String(user.id)}/second-factors`, {
        token,
      });
      expect(reset.status).toBe(200);
      expect(reset.body.secondFactors).toEqual({ totp: false, passkeys: 0, recoveryCodesLeft: 0 });
      expect((await sso.accounts.get(String(user.id)))?.totp).toBeUndefined();
      const relaxed = await api.call<Json>('PATCH', `/users/${String(user.id)}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { mfaRequired: false },
      });
      expect(relaxed.body.mfaRequired).toBe(false);
      const [event] = await sso.audit.list({
        type: 'user.factors.reset',
        user: String(user.username),
        limit: 1,
      });
      expect(event).toMatchObject({ actor: expect.stringMatching(/^client:/) });
    });
  });

  describe('sessions and grants', () => {
    test('a session and a grant are listed, the grant revoked with its tokens', async () => {
      const { user, app, config, tokens } = await signedInUser();
      const id = String(user.id);
      const sessions = await api.call<Json[]>('GET', `/users/${id}/sessions`, { token });
      expect(sessions.body).toHaveLength(1);
      expect(sessions.body[0]).toMatchObject({
        amr: ['pwd'],
        clients: [{ clientId: app.clientId, name: expect.any(String) }],
      });
      // Named by its uid, never by the session cookie's value.
      expect(JSON.stringify(sessions.body)).not.toMatch(/"id"/);
      const grants = await api.call<Json[]>('GET', `/users/${id}/grants`, { token });
      expect(grants.body).toEqual([
        expect.objectContaining({
          clientId: app.clientId,
          scopes: expect.arrayContaining(['openid']),
        }),
      ]);
      const grantId = String(grants.body[0]!.grantId);
      expect((await api.call('DELETE', `/users/${id}/grants/${grantId}`, { token })).status).toBe(
        204,
      );
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      expect((await api.call<Json[]>('GET', `/users/${id}/grants`, { token })).body).toEqual([]);
      expect((await api.call('DELETE', `/users/${id}/grants/${grantId}`, { token })).status).toBe(
        404,
      );
    });

    test('sign out everywhere sends a verifiable logout token and ends every token', async () => {
      const { user, app, config, tokens } = await signedInUser();
      const before = logoutTokens.length;
      const answer = await api.call<Json>('DELETE', `/users/${String(user.id)}/sessions`, {
        token,
      });
      expect(answer.body).toEqual({ sessions: 1, notified: [app.clientId], failed: [] });
      expect(logoutTokens.length).toBe(before + 1);
      const jwks = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const { payload } = await jose.jwtVerify(logoutTokens.at(-1)!, jwks, {
        issuer: sso.issuer,
        audience: app.clientId,
        typ: 'logout+jwt',
      });
      expect(payload.sid).toBe(tokens.claims()!.sid);
      expect(payload.sub).toBe(user.id);
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    });

    test('ending one session by uid', async () => {
      const { user, config, tokens } = await signedInUser();
      const id = String(user.id);
      const [session] = (await api.call<Json[]>('GET', `/users/${id}/sessions`, { token })).body;
      const ended = await api.call<Json>(
        'DELETE',
        `/users/${id}/sessions/${String(session!.uid)}`,
        {
          token,
        },
      );
      expect(ended.body).toMatchObject({ sessions: 1 });
      expect((await api.call<Json[]>('GET', `/users/${id}/sessions`, { token })).body).toEqual([]);
      expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
      expect(
        (await api.call('DELETE', `/users/${id}/sessions/${String(session!.uid)}`, { token }))
          .status,
      ).toBe(404);
    });
  });

  describe('clients', () => {
    test('a confidential client gets its secret once; it works; list and get never show it', async () => {
      const created = await api.call<Json>('POST', '/clients', {
        token,
        body: { name: 'Billing worker', type: 'confidential', grantTypes: ['client_credentials'] },
      });
      expect(created.status).toBe(201);
      const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
      expect(clientSecret).toMatch(/^[\w-]{43}$/);
      const config = await discover(sso.issuer, clientId, clientSecret);
      expect((await oidc.clientCredentialsGrant(config)).access_token).toBeTruthy();
      const read = await api.call('GET', `/clients/${clientId}`, { token });
      const listed = await api.call('GET', `/clients?search=billing`, { token });
      for (const answer of [read, listed]) {
        expect(JSON.stringify(answer.body)).not.toContain(clientSecret);
      }
      expect((listed.body as unknown as Page).items.map((c) => c.clientId)).toEqual([clientId]);
    });

    test('every kind of app can be registered: web, single-page, native, machine, device', async () => {
      const kinds = [
        {
          type: 'confidential',
          grantTypes: ['authorization_code', 'refresh_token'],
          redirectUris: ['https://web.example.com/cb'],
        },
        {
          type: 'public',
          grantTypes: ['authorization_code'],
          redirectUris: ['https://spa.example.com/cb'],
        },
        {
          type: 'public',
          native: true,
          grantTypes: ['authorization_code'],
          redirectUris: ['com.example.app:/cb'],
        },
        { type: 'confidential', grantTypes: ['client_credentials'] },
        { type: 'public', grantTypes: ['device_code', 'refresh_token'] },
      ];
      for (const kind of kinds) {
        const created = await api.call<Json>('POST', '/clients', {
          token,
          body: { name: unique('App'), ...kind },
        });
        expect(created.status).toBe(201);
        const { native, ...fields } = kind;
        expect(created.body).toMatchObject({
          ...fields,
          applicationType: native ? 'native' : 'web',
        });
        expect('clientSecret' in created.body).toBe(kind.type === 'confidential');
      }
    });

    test('edit, rotate the secret, remove', async () => {
      const created = await api.call<Json>('POST', '/clients', {
        token,
        body: {
          clientId: unique('editable'),
          name: 'Editable',
          type: 'confidential',
          grantTypes: ['authorization_code'],
          redirectUris: ['https://one.example.com/cb'],
        },
      });
      const clientId = String(created.body.clientId);
      const edited = await api.call<Json>('PATCH', `/clients/${clientId}`, {
        token,
        headers: { 'If-Match': created.headers.get('etag')! },
        body: {
          redirectUris: ['https://two.example.com/cb'],
          firstParty: true,
          backchannelLogoutUri: 'https://two.example.com/logout',
        },
      });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({
        redirectUris: ['https://two.example.com/cb'],
        firstParty: true,
        backchannelLogoutUri: 'https://two.example.com/logout',
        version: 2,
      });
      const rotated = await api.call<Json>('POST', `/clients/${clientId}/secret`, { token });
      expect(rotated.body.clientSecret).not.toBe(created.body.clientSecret);
      expect((await sso.clients.get(clientId))?.metadata.client_secret).toBe(
        rotated.body.clientSecret,
      );
      expect((await api.call('DELETE', `/clients/${clientId}`, { token })).status).toBe(204);
      expect((await api.call('GET', `/clients/${clientId}`, { token })).status).toBe(404);
    });

    test("SSO's own console client cannot be changed or removed", async () => {
      const console = await api.call<Json>('GET', `/clients/${CONSOLE_CLIENT_ID}`, { token });
      expect(console.body).toMatchObject({ system: true, firstParty: true });
      const changed = await api.call('PATCH', `/clients/${CONSOLE_CLIENT_ID}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { redirectUris: ['https://evil.example.com/cb'] },
      });
      expect(changed.status).toBe(403);
      expect((await api.call('DELETE', `/clients/${CONSOLE_CLIENT_ID}`, { token })).status).toBe(
        403,
      );
      expect(
        (await api.call('POST', `/clients/${CONSOLE_CLIENT_ID}/secret`, { token })).status,
      ).toBe(403);
      expect((await sso.clients.get(CONSOLE_CLIENT_ID))?.metadata.redirect_uris).toEqual([
        `${sso.issuer}/admin/callback`,
      ]);
    });
  });

  describe('APIs and keys', () => {
    test('create, edit, and remove with the clients that used it', async () => {
      const audience = `https://${unique('inventory')}.example.com/v1`;
      const created = await api.call<Json>('POST', '/apis', {
        token,
        body: { audience, name: 'Inventory', scopes: ['stock:read'] },
      });
      expect(created.body).toMatchObject({
        audience,
        accessTokenTtl: 300,
        signingAlg: 'ES256',
        tokenFormat: 'jwt',
      });
      const path = `/apis/${encodeURIComponent(audience)}`;
      const edited = await api.call<Json>('PATCH', path, {
        token,
        headers: { 'If-Match': '"1"' },
        body: { accessTokenTtl: 120, signingAlg: 'RS256', scopes: ['stock:read', 'stock:write'] },
      });
      expect(edited.body).toMatchObject({ accessTokenTtl: 120, signingAlg: 'RS256', version: 2 });
      const client = await sso.client({
        type: 'confidential',
        grantTypes: ['client_credentials'],
        allowedApis: [audience],
      });
      const jwt = await clientCredentialsToken(
        sso,
        client.clientId,
        client.secret!,
        'stock:write',
        audience,
      );
      expect(jose.decodeProtectedHeader(jwt).alg).toBe('RS256');
      expect((await api.call<Json>('GET', path, { token })).body.usedBy).toEqual([client.clientId]);
      const removed = await api.call<Json>('DELETE', path, { token });
      expect(removed.body.usedBy).toEqual([client.clientId]);
      expect((await sso.clients.get(client.clientId))?.allowedApis).toEqual([]);
      expect((await api.call('GET', path, { token })).status).toBe(404);
    });

    test("SSO's own admin API cannot be changed or removed", async () => {
      const path = `/apis/${encodeURIComponent(adminApiAudience(sso.issuer))}`;
      expect((await api.call<Json>('GET', path, { token })).body).toMatchObject({
        system: true,
        tokenFormat: 'opaque',
      });
      expect((await api.call('DELETE', path, { token })).status).toBe(403);
      expect(
        (
          await api.call('PATCH', path, {
            token,
            headers: { 'If-Match': '*' },
            body: { tokenFormat: 'jwt' },
          })
        ).status,
      ).toBe(403);
    });

    test('rotating keys publishes the new ones at once', async () => {
      const before = (await api.call<Json[]>('GET', '/keys', { token })).body;
      const rotation = await api.call<Json>('POST', '/keys/rotation', {
        token,
        body: { activateAfter: 3600 },
      });
      expect(rotation.status).toBe(201);
      const added = rotation.body.added as string[];
      expect(added).toHaveLength(2);
      const after = (await api.call<Json[]>('GET', '/keys', { token })).body;
      expect(after.length).toBe(before.length + 2);
      expect(
        after.filter((key) => added.includes(String(key.kid))).map((key) => key.state),
      ).toEqual(['pending', 'pending']);
      await sso.engine.refresh();
      const jwks = (await (await fetch(`${sso.issuer}/jwks`)).json()) as {
        keys: { kid: string }[];
      };
      expect(jwks.keys.map((key) => key.kid)).toEqual(expect.arrayContaining(added));
      expect(JSON.stringify(after)).not.toMatch(/"d"|"k"/);
    });
  });

  describe('audit log', () => {
    test('changes made through the API name the machine client and its address; paged and filtered', async () => {
      const user = await newUser();
      await api.call('PATCH', `/users/${String(user.id)}`, {
        token,
        headers: { 'If-Match': '*' },
        body: { name: 'Audited' },
      });
      const events = await api.call<Page>('GET', `/audit?user=${String(user.username)}`, { token });
      expect(events.body.items.map((e) => e.type)).toEqual(['user.update', 'user.create']);
      const [update] = events.body.items;
      expect(update).toMatchObject({
        actor: expect.stringMatching(/^client:/),
        ip: '127.0.0.1',
        details: { fields: 'name' },
      });
      const first = await api.call<Page>('GET', `/audit?user=${String(user.username)}&limit=1`, {
        token,
      });
      expect(first.body.items.map((e) => e.type)).toEqual(['user.update']);
      const second = await api.call<Page>(
        'GET',
        `/audit?user=${String(user.username)}&limit=1&cursor=${first.body.next!}`,
        { token },
      );
      expect(second.body.items.map((e) => e.type)).toEqual(['user.create']);
      const since = new Date(Date.now() + 60_000).toISOString();
      expect((await api.call<Page>('GET', `/audit?since=${since}`, { token })).body.items).toEqual(
        [],
      );
      const types = await api.call<Page>('GET', '/audit?type=user&limit=1000', { token });
      expect(types.body.items.every((e) => String(e.type).startsWith('user.'))).toBe(true);
      expect(JSON.stringify(types.body)).not.toContain('a long password 1');
    });
    test('a failed token request is an event too, with its error, never the code', async () => {
      const app = await sso.client({
        type: 'confidential',
        grantTypes: ['authorization_code'],
        redirectUris: [REDIRECT_URI],
      });
      const response = await fetch(`${sso.issuer}/token`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${app.clientId}:${app.secret!}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'a-code-nobody-issued',
          redirect_uri: REDIRECT_URI,
        }),
      });
      expect(response.status).toBe(400);
      // The engine reports the failure after answering: the event is written just after.
      let events = await api.call<Page>('GET', `/audit?type=token.failure&client=${app.clientId}`, {
        token,
      });
      for (let i = 0; i < 100 && events.body.items.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        events = await api.call<Page>('GET', `/audit?type=token.failure&client=${app.clientId}`, {
          token,
        });
      }
      expect(events.body.items).toEqual([
        expect.objectContaining({
          clientId: app.clientId,
          ip: '127.0.0.1',
          details: { error: 'invalid_grant', grantType: 'authorization_code' },
        }),
      ]);
      expect(JSON.stringify(events.body)).not.toContain('a-code-nobody-issued');
    });
  });

  describe('bad input', () => {
    test('schema violations are problems that name each field, and nothing is written', async () => {
      const before = (await api.call<Page>('GET', '/users?limit=200', { token })).body.items.length;
      const answer = await api.call<Json>('POST', '/users', {
        token,
        body: { username: 'mallory', password: 'short', isAdmin: true, groups: 'admins' },
      });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const pointers = (answer.body.errors as { pointer: string }[]).map((e) => e.pointer).sort();
      expect(pointers).toEqual(['/groups', '/isAdmin']);
      const rule = await api.call<Json>('POST', '/users', {
        token,
        body: { username: 'has space' },
      });
      expect(rule).toMatchObject({
        status: 400,
        body: { code: 'invalid_input', errors: [{ pointer: '/username' }] },
      });
      const clientRule = await api.call<Json>('POST', '/clients', {
        token,
        body: {
          type: 'confidential',
          grantTypes: ['authorization_code'],
          redirectUris: ['http://evil.example.com/cb'],
        },
      });
      expect(clientRule).toMatchObject({ status: 400, body: { code: 'invalid_input' } });
      expect((await api.call<Page>('GET', '/users?limit=200', { token })).body.items.length).toBe(
        before,
      );
    });

    test('unknown ids are 404; a taken username is 409', async () => {
      for (const path of [
        '/users/nobody',
        '/clients/nobody',
        `/apis/${encodeURIComponent('https://nothing.example.com')}`,
        '/users/nobody/sessions',
      ]) {
        const answer = await api.call('GET', path, { token });
        expect(answer).toMatchObject({ status: 404, body: { code: 'not_found' } });
      }
      const user = await newUser();
      const taken = await api.call('POST', '/users', { token, body: { username: user.username } });
      expect(taken).toMatchObject({ status: 409, body: { code: 'conflict' } });
    });

    test('oversized, malformed and non-JSON bodies; unknown paths and methods; bad paging', async () => {
      const huge = await api.call('POST', '/users', {
        token,
        body: { username: 'big', name: 'x'.repeat(100_000) },
      });
      expect(huge).toMatchObject({ status: 413, body: { code: 'payload_too_large' } });
      const malformed = await api.call('POST', '/users', {
        token,
        body: '{"username": ',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(malformed).toMatchObject({ status: 400, body: { code: 'invalid_input' } });
      const form = await api.call('POST', '/users', {
        token,
        body: 'username=form',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(form).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
      const badCursor = await api.call('GET', '/users?cursor=%%%', { token });
      expect(badCursor).toMatchObject({ status: 400, body: { code: 'invalid_input' } });
      const badLimit = await api.call('GET', '/users?limit=100000', { token });
      expect(badLimit).toMatchObject({ status: 400 });
      const badDate = await api.call('GET', '/audit?since=yesterday', { token });
      expect(badDate).toMatchObject({ status: 400 });
      const stale = await api.call('PATCH', '/clients/nobody', {
        token,
        headers: { 'If-Match': 'W/"x"' },
        body: { name: 'x' },
      });
      expect(stale.status).toBe(412);
      for (const [method, path, status] of [
        ['GET', '/nothing-here', 404],
        ['PUT', '/users', 405],
      ] as const) {
        const response = await fetch(`${api.root}${path}`, {
          method,
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(status);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        if (status === 405) expect(response.headers.get('allow')).toContain('POST');
      }
    });
  });

  test('every operation of the document was called by this suite', () => {
    // Run alone (-t), only that test's operations were called: this check is for the whole suite.
    if (process.argv.some((arg) => arg === '-t' || arg.startsWith('--testNamePattern'))) return;
    expect(api.checker.unexercised()).toEqual([]);
  });
});
