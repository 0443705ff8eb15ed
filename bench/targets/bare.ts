// The ceiling: oidc-provider 9 on its own, with its in-memory adapter and the settings SSO gives the
// hot paths (ES256, client credentials, resource indicators with JWT access tokens for the API,
// opaque tokens otherwise, introspection by the token's own client).
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { announce, BENCH_API, BENCH_SCOPE } from './fixture.ts';

const port = Number(process.env.BENCH_PORT ?? 0);
const key = async (alg: 'ES256' | 'RS256') => {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: alg };
};
const clients = [
  { id: 'jwt-client', secret: 'jwt-client-secret-jwt-client-secret-0001' },
  { id: 'opaque-client', secret: 'opaque-client-secret-opaque-client-0002' },
];
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: clients.map(({ id, secret }) => ({
    client_id: id,
    client_secret: secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [await key('ES256'), await key('RS256')] },
  scopes: ['openid', BENCH_SCOPE],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator, client) => {
        if (indicator !== BENCH_API || client.clientId !== 'jwt-client') {
          throw new errors.InvalidTarget();
        }
        return {
          audience: BENCH_API,
          scope: BENCH_SCOPE,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  ttl: { ClientCredentials: 600 },
});
const server = provider.listen(port, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address() as { port: number };
announce({
  ready: true,
  url: `http://127.0.0.1:${address.port}`,
  jwtClient: clients[0]!,
  opaqueClient: clients[1]!,
});
