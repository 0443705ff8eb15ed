// Request limits of the protocol endpoints, kept in the store's counters so that every instance
// shares them (counted locally and added to the store four times a second, see shared-window.ts;
// a store write per request would cost a third of the token endpoint's throughput):
//
// - per client address, before the engine does any work: back-channel requests (token,
//   introspection, revocation, device authorization, PAR) per window; and authorization requests
//   per interaction lifetime, which bounds how many pending sign-ins (stored interactions) one
//   address can hold. Authorization requests are also capped in size.
// - per client, after it has authenticated: back-channel requests per window. A client over its
//   limit is refused when it next authenticates (see clientRequestAllowed), so nobody can spend
//   another client's allowance by sending its id with a wrong secret.
//
// Over a limit: 429 with Retry-After, OAuth-shaped JSON on the back-channel endpoints (whatever the
// Accept header), the error page at the authorization endpoint.
import type { Context, Middleware } from 'koa';
import { errorSentence } from '../../interactions/error-text.ts';
import { renderPage } from '../../interactions/render.ts';
import type { Store } from '../../adapters/store.ts';
import type { RateLimits } from '../config.ts';
import { describeError, type Logger } from '../log.ts';
import { addressKey, clientAddress } from './client-address.ts';
import { SharedWindowLimit } from './shared-window.ts';

/** The engine's back-channel routes (oidc-provider's default paths, under the issuer's path). */
export const BACKCHANNEL_PATHS = [
  '/token',
  '/token/introspection',
  '/token/revocation',
  '/device/auth',
  '/request',
] as const;

/** The engine's authorization endpoint path. */
export const AUTHORIZATION_PATH = '/auth';

/** oidc-provider's names of the back-channel routes (ctx.oidc.route). */
export const BACKCHANNEL_ROUTES: ReadonlySet<string> = new Set([
  'token',
  'introspection',
  'revocation',
  'device_authorization',
  'pushed_authorization_request',
]);

/** The longest authorization request accepted (query string or form body), in bytes. */
export const MAX_AUTHORIZATION_REQUEST = 4096;

export interface EndpointLimitsInput {
  store: Store;
  basePath: string;
  limits: RateLimits;
  /** Seconds a pending sign-in (interaction) lives. */
  interactionTtl: number;
  log: Logger;
}

/** The limits, as middleware for the app and checks for the engine's client lookups. */
export interface EndpointLimits {
  /** Limits per address, before the engine. */
  readonly middleware: Middleware;
  /** Seconds `clientId` must wait when it is over its limit, else undefined. */
  clientRetryAfter(clientId: string): number | undefined;
  /** Counts one request of an authenticated client. */
  countClient(clientId: string): void;
  /** Sends this instance's counts to the store and learns the totals now (the timer does it too). */
  sync(): Promise<void>;
  /** Sends the last counts to the store and stops counting. */
  stop(): Promise<void>;
}

/** Builds the limits (a limit of 0 is off). */
export function endpointLimits(input: EndpointLimitsInput): EndpointLimits {
  const { store, basePath, limits, log } = input;
  const onError = (error: unknown) =>
    log.warn("request counts not stored; limits use this instance's counts meanwhile", {
      ...describeError(error),
    });
  const limiter = (prefix: string, points: number, windowSeconds: number) =>
    points > 0
      ? new SharedWindowLimit(store.counters, prefix, points, windowSeconds, onError)
      : undefined;
  const byAddress = limiter('rate-address', limits.perAddress, limits.window);
  const byClient = limiter('rate-client', limits.perClient, limits.window);
  const authorizations = limiter(
    'rate-authorize',
    limits.authorizationsPerAddress,
    input.interactionTtl,
  );
  const backchannel = new Set(BACKCHANNEL_PATHS.map((path) => `${basePath}${path}`));
  const authorization = `${basePath}${AUTHORIZATION_PATH}`;

  // Addresses told about in the log this run (once each, not once per refused request).
  const warned = new Set<string>();
  const middleware: Middleware = async (ctx, next) => {
    const isAuthorization = ctx.path === authorization;
    if (isAuthorization && requestSize(ctx) > MAX_AUTHORIZATION_REQUEST) {
      await refuse(ctx, 'html', 414, {
        error: 'invalid_request',
        error_description: `the authorization request is larger than ${MAX_AUTHORIZATION_REQUEST} bytes`,
      });
      return;
    }
    const which = isAuthorization
      ? authorizations
      : backchannel.has(ctx.path)
        ? byAddress
        : undefined;
    if (which && ctx.method !== 'OPTIONS') {
      const address = addressKey(clientAddress(ctx));
      const retryAfter = which.hit(address);
      if (retryAfter > 0) {
        if (!warned.has(`${ctx.path} ${address}`)) {
          if (warned.size > 10_000) warned.clear();
          warned.add(`${ctx.path} ${address}`);
          log.warn('rate limit reached', { path: ctx.path, address, retryAfter });
        }
        ctx.set('Retry-After', String(retryAfter));
        await refuse(ctx, isAuthorization ? 'html' : 'json', 429, {
          error: 'temporarily_unavailable',
          error_description: `too many requests; retry after ${retryAfter} seconds`,
        });
        return;
      }
    }
    await next();
  };

  return {
    middleware,
    clientRetryAfter(clientId) {
      // Counted after each answer, so the request that would be one too many is refused here.
      return byClient?.peek(clientId) || undefined;
    },
    countClient(clientId) {
      byClient?.count(clientId);
    },
    async sync() {
      await Promise.all([byAddress?.sync(), byClient?.sync(), authorizations?.sync()]);
    },
    async stop() {
      await Promise.all([byAddress?.stop(), byClient?.stop(), authorizations?.stop()]);
    },
  };
}

// The size of the authorization request's parameters: its query string, or its form body.
function requestSize(ctx: Context): number {
  const body = ctx.method === 'POST' ? Number(ctx.get('content-length') || 0) : 0;
  return Math.max(Buffer.byteLength(ctx.querystring), body);
}

async function refuse(
  ctx: Context,
  shape: 'html' | 'json',
  status: number,
  body: { error: string; error_description: string },
): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  if (shape === 'html' && ctx.accepts('json', 'html') === 'html') {
    await renderPage(ctx, 'error', {
      title: 'error.title',
      error: body.error,
      description: errorSentence(body.error, body.error_description, status),
      back: undefined,
    });
  } else {
    ctx.body = body;
  }
  ctx.status = status;
}
