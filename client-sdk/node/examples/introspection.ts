import { createClient, createVerifier, discoverIssuer, introspect } from '@sso/client';

const issuer = await discoverIssuer('https://sso.example.com');
// The API's own confidential client at SSO, registered as the resource server of its audience
// (`sso clients add --resource-server https://api.example.com/orders`): SSO answers it about
// tokens issued for that API.
const ordersApi = createClient(issuer, {
  clientId: 'orders-api',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});

export async function describeToken(token: string): Promise<string> {
  const result = await introspect(ordersApi, token);
  return result.active ? `${result.client_id} may ${result.scope}` : 'inactive';
}

// Opaque tokens are refused by default; with introspection they are checked with SSO. Tokens of an
// API registered with `--token-format opaque` carry its audience, which the verifier checks.
export const verifier = createVerifier(issuer, {
  audience: 'https://api.example.com/orders',
  introspection: { client: ordersApi },
});
