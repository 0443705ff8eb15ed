import { createClient, discoverIssuer } from '@sso/client';

// Once at startup: discovery is cached, the JWKS is fetched on first use and on key rotation.
const issuer = await discoverIssuer('https://sso.example.com');

// A client registered at SSO (a public client has no secret).
export const client = createClient(issuer, {
  clientId: 'orders-web',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});
