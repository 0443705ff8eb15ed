import { createClient, createVerifier, discoverIssuer, introspect } from '@sso/client';

const issuer = await discoverIssuer('https://sso.example.com');
// The API's own confidential client at SSO, used to ask about tokens.
const ordersApi = createClient(issuer, {
  clientId: 'orders-api',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});

export async function describeToken(token: string): Promise<string> {
  const result = await introspect(ordersApi, token);
  return result.active ? `${result.client_id} may ${result.scope}` : 'inactive';
}

// Opaque tokens are refused by default; with introspection they are checked with SSO. SSO's
// opaque tokens carry no audience, so accepting them is an explicit choice.
export const verifier = createVerifier(issuer, {
  audience: 'https://api.example.com/orders',
  introspection: { client: ordersApi, missingAudience: 'accept' },
});
