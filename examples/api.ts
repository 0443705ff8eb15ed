// Example: an API (resource server) that accepts only SSO access tokens issued for its own
// audience. `GET /orders` needs the scope orders:read, `POST /orders` needs orders:write; without a
// valid token it answers 401, without the scope 403, with `WWW-Authenticate` as RFC 6750 says.
//
//   npx node --env-file=examples/.env examples/api.ts
import bodyParser from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
// A real service imports these from '@sso/client'.
import {
  createVerifier,
  discoverIssuer,
  koaRequireToken,
  type SsoState,
} from '../client-sdk/node/src/index.ts';

const SSO_ISSUER = process.env.SSO_ISSUER ?? 'http://localhost:3000';
const ORDERS_API_URL = new URL(process.env.ORDERS_API_URL ?? 'http://localhost:4001');
const ORDERS_API_AUDIENCE = process.env.ORDERS_API_AUDIENCE ?? 'https://api.example.com/orders';

// Plain http only for an SSO on this machine (development); anywhere else SSO must be https.
const local = ['localhost', '127.0.0.1', '[::1]'].includes(new URL(SSO_ISSUER).hostname);
const issuer = await discoverIssuer(SSO_ISSUER, { allowHttp: local }).catch((error: unknown) =>
  stop(`cannot reach SSO at ${SSO_ISSUER}`, error),
);
// Tokens must be signed by SSO, be access tokens, and name this API's audience in `aud`.
const verifier = createVerifier(issuer, { audience: ORDERS_API_AUDIENCE, realm: 'orders' });

interface Order {
  id: number;
  item: string;
  quantity: number;
}
const orders: Order[] = [
  { id: 1, item: 'green tea', quantity: 2 },
  { id: 2, item: 'teapot', quantity: 1 },
];

const router = new Router<SsoState>();
router.get('/orders', koaRequireToken(verifier, { scopes: ['orders:read'] }), (ctx) => {
  // For a client-credentials token the caller is the client (`client_id`); for a user's, `sub`.
  const { claims } = ctx.state.auth!;
  ctx.body = { caller: claims.client_id ?? claims.sub, orders };
});
router.post('/orders', koaRequireToken(verifier, { scopes: ['orders:write'] }), (ctx) => {
  const { item, quantity = 1 } = (ctx.request.body ?? {}) as Partial<Order>;
  if (typeof item !== 'string' || !item.trim() || !Number.isInteger(quantity) || quantity < 1) {
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'give an item and a quantity ≥ 1' };
    return;
  }
  const order = { id: orders.length + 1, item: item.trim(), quantity };
  orders.push(order);
  ctx.status = 201;
  ctx.body = order;
});

const app = new Koa<SsoState>();
app.use(bodyParser());
app.use(router.routes());
app.use(router.allowedMethods());
app.listen(Number(ORDERS_API_URL.port) || 80, () => {
  process.stdout.write(
    `Orders API at ${ORDERS_API_URL.origin}/orders, for tokens with audience ${ORDERS_API_AUDIENCE}\n`,
  );
});

function stop(message: string, error: unknown): never {
  process.stderr.write(
    `api: ${message}: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
