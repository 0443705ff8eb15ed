// Example: a worker service that calls the Orders API (examples/api.ts) with a client-credentials
// token, prints what it got, and exits with status 1 when anything fails.
//
//   npx node --env-file=examples/.env examples/worker.ts
// A real service imports these from '@sso/client'.
import {
  authorizedFetch,
  clientCredentials,
  createClient,
  discoverIssuer,
  isSsoError,
} from '../client-sdk/node/src/index.ts';

const SSO_ISSUER = process.env.SSO_ISSUER ?? 'http://localhost:3000';
const ORDERS_API_URL = (process.env.ORDERS_API_URL ?? 'http://localhost:4001').replace(/\/$/, '');
const ORDERS_API_AUDIENCE = process.env.ORDERS_API_AUDIENCE ?? 'https://api.example.com/orders';

try {
  // Plain http only for an SSO on this machine (development); anywhere else SSO must be https.
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(new URL(SSO_ISSUER).hostname);
  const issuer = await discoverIssuer(SSO_ISSUER, { allowHttp: local });
  const worker = createClient(issuer, {
    clientId: required('WORKER_CLIENT_ID'),
    clientSecret: required('WORKER_CLIENT_SECRET'),
  });
  // A token source for one API: the token is cached and replaced shortly before it expires.
  const orders = clientCredentials(worker, { resource: ORDERS_API_AUDIENCE, scope: 'orders:read' });
  // A fetch that adds the token, and on a 401 gets a new one and tries once more.
  const callOrders = authorizedFetch(orders);

  const url = `${ORDERS_API_URL}/orders`;
  const response = await callOrders(url);
  const body = await response.text();
  if (!response.ok) {
    const challenge = response.headers.get('www-authenticate');
    fail(`GET ${url} answered ${response.status}${challenge ? ` (${challenge})` : ''}: ${body}`);
  }
  process.stdout.write(`GET ${url}: ${response.status}\n${body}\n`);
} catch (error) {
  fail(describe(error));
}

// A setting the worker cannot run without (examples/register.sh writes them to examples/.env).
function required(name: string): string {
  const value = process.env[name];
  if (!value) fail(`${name} is not set: run examples/register.sh and start with --env-file`);
  return value;
}

// One line about what went wrong: the SDK's stable error code, or the network error and its cause.
function describe(error: unknown): string {
  if (isSsoError(error)) return `${error.code}: ${error.message}`;
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function fail(message: string): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(1);
}
