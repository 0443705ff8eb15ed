import {
  authorizedFetch,
  clientCredentials,
  createClient,
  discoverIssuer,
  getToken,
  renewToken,
} from '@sso/client';

const issuer = await discoverIssuer('https://sso.example.com');
const worker = createClient(issuer, {
  clientId: 'invoice-worker',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});

// One token source per API: cached, replaced 30 s before expiry, one request for many callers.
const orders = clientCredentials(worker, {
  resource: 'https://api.example.com/orders',
  scope: 'orders:read',
});

// Simplest: a fetch that adds the token, and on a 401 gets a new one and retries once.
const callOrders = authorizedFetch(orders);
const response = await callOrders('https://orders.internal/orders?status=open');
if (!response.ok) throw new Error(`orders answered ${response.status}`);

// Or handle the token yourself.
const token = await getToken(orders);
const answer = await fetch('https://orders.internal/orders', {
  headers: { authorization: `${token.tokenType} ${token.accessToken}` },
});
if (answer.status === 401) await renewToken(orders, token.accessToken);

// Sender-constrained tokens (DPoP): bound to a key pair; authorizedFetch adds the proofs.
const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
  'sign',
  'verify',
]);
const bound = clientCredentials(worker, {
  resource: 'https://api.example.com/orders',
  scope: 'orders:read',
  dpop: keys,
});
await authorizedFetch(bound)('https://orders.internal/orders');
