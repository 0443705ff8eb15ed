// The protocol engine: an oidc-provider instance built from the store's current keys. Signing keys
// change state over time (pending → active → retired → expired) and may be rotated by another
// process, so the engine re-reads them periodically and at the next scheduled change, and swaps in a
// freshly built provider when what it should publish or sign with has changed.
import type { Middleware } from 'koa';
import mount from 'koa-mount';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';
import type { Accounts } from '../accounts/accounts.ts';
import type { Config } from '../config.ts';
import { ensureCookieKeys } from '../keys/cookie-keys.ts';
import { ensureSigningKeys, nextKeyChange, providerJwks } from '../keys/signing-keys.ts';
import { describeError, type Logger } from '../log.ts';
import { clientAddress } from '../security/client-address.ts';
import { BACKCHANNEL_ROUTES } from '../security/endpoint-limits.ts';
import { claimedClientId } from './client-authentication.ts';
import { buildConfiguration, type EngineSecurity } from './configuration.ts';
import { discoveryCache } from './discovery-cache.ts';
import { handOutSettledRotation } from './refresh-rotation.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface EngineInput {
  config: Readonly<Config>;
  store: Store;
  accounts: Accounts;
  log: Logger;
  security: EngineSecurity;
  /** See ConfigurationInput.clock. */
  clock?: () => number;
  /** Told of every token issued, and of the signing keys' age at each scrape. */
  metrics?: Metrics;
}

// The engine's error events of back-channel endpoints, where a failed client authentication is
// reported (as `invalid_client`).
const CLIENT_AUTH_ERROR_EVENTS = [
  'grant.error',
  'introspection.error',
  'revocation.error',
  'pushed_authorization_request.error',
  'device_authorization.error',
] as const;

/** The running protocol engine. */
export interface Engine {
  /** The provider serving requests now. */
  readonly provider: Provider;
  /** Koa middleware serving the protocol endpoints under the issuer's path. */
  readonly middleware: Middleware;
  /** Cookie signing secrets, newest first (the app signs its own cookies with them too). */
  readonly cookieKeys: string[];
  /**
   * The signing keys that sign now, one per algorithm at most, by the key set last read from the
   * store: none means tokens cannot be signed (readiness fails, see /readyz).
   */
  signers(): { kid: string; alg: string; activatesAt: number }[];
  /** Re-reads the keys now and swaps the provider if they changed. */
  refresh(): Promise<void>;
  /** Stops the refresh timer. */
  stop(): void;
}

/** Builds the engine (creating keys on first start) and starts its key refresh timer. */
export async function startEngine(input: EngineInput): Promise<Engine> {
  const { config, store, log } = input;
  const cookieKeys = await ensureCookieKeys(store);
  let set = await ensureSigningKeys(store);
  let built = build(input, set, cookieKeys);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const refresh = async () => {
    set = await ensureSigningKeys(store);
    const next = keySignature(set, Date.now());
    if (next !== built.signature) {
      built = build(input, set, cookieKeys);
      log.info('signing keys changed; provider rebuilt', { keys: built.signature });
    }
  };

  const schedule = () => {
    if (stopped) return;
    const now = Date.now();
    const change = nextKeyChange(set, now);
    const wait = Math.min(
      config.keyRefreshInterval * 1000,
      change === undefined ? Infinity : change - now + 50,
    );
    timer = setTimeout(
      () => {
        refresh()
          .catch((error: unknown) => log.error('signing key refresh failed', describeError(error)))
          .finally(schedule);
      },
      Math.max(wait, 10),
    );
    timer.unref();
  };
  schedule();
  input.metrics?.watchSigningKeys(() => currentSigners(set, Date.now()));

  const discovery = discoveryCache(config.basePath);
  return {
    get provider() {
      return built.provider;
    },
    middleware: async (ctx, next) => {
      const current = built;
      if (discovery.answer(ctx, current)) return;
      await current.mounted(ctx, next);
      discovery.keep(ctx, current);
    },
    cookieKeys,
    signers: () => currentSigners(set, Date.now()),
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// Counts each back-channel request of a client that authenticated (not those refused with 401).
function countAuthenticatedClients({ security }: EngineInput): Middleware {
  return async (ctx, next) => {
    await next();
    const { oidc } = ctx as KoaContextWithOIDC;
    if (!oidc?.client || !BACKCHANNEL_ROUTES.has(oidc.route) || ctx.status === 401) return;
    security.limits.countClient(oidc.client.clientId);
  };
}

interface Built {
  provider: Provider;
  mounted: Middleware;
  signature: string;
}

// The keys of `set` that sign at `now` (those providerJwks hands out without key_ops).
function currentSigners(
  set: Parameters<typeof providerJwks>[0],
  now: number,
): { kid: string; alg: string; activatesAt: number }[] {
  const signing = new Set(
    providerJwks(set, now)
      .keys.filter((key) => !key.key_ops)
      .map((key) => String(key.kid)),
  );
  return set.keys
    .filter((key) => signing.has(key.kid))
    .map((key) => ({ kid: key.kid, alg: String(key.jwk.alg), activatesAt: key.activatesAt }));
}

// Which keys are published and which of them sign: when this changes, the provider must be rebuilt.
function keySignature(set: Parameters<typeof providerJwks>[0], now: number): string {
  return providerJwks(set, now)
    .keys.map((key) => `${String(key.kid)}${key.key_ops ? '' : '*'}`)
    .join(',');
}

function build(
  input: EngineInput,
  set: Parameters<typeof providerJwks>[0],
  cookieKeys: string[],
): Built {
  const { config, log } = input;
  const now = Date.now();
  const provider = new Provider(
    config.issuer,
    buildConfiguration({ ...input, jwks: providerJwks(set, now), cookieKeys }),
  );
  // Host and protocol come from headers set to the issuer's (see http/issuer-origin.ts).
  provider.proxy = true;
  provider.use(handOutSettledRotation);
  provider.use(countAuthenticatedClients(input));
  for (const event of CLIENT_AUTH_ERROR_EVENTS) {
    // Every one of these events has the same (ctx, error) signature.
    provider.on(event as 'grant.error', (ctx, error) => {
      if (error.error !== 'invalid_client') {
        // Other failures at the token endpoint (a spent code, a revoked refresh token, ...).
        if (event === 'grant.error') {
          void input.security.audit.record({
            type: 'token.failure',
            clientId: ctx.oidc?.client?.clientId ?? claimedClientId(ctx),
            ip: clientAddress(ctx),
            details: {
              error: String(error.error ?? 'server_error'),
              grantType:
                typeof ctx.oidc?.params?.grant_type === 'string' ? ctx.oidc.params.grant_type : '',
            },
          });
        }
        return;
      }
      void input.security.audit.record({
        type: 'client.auth.failure',
        clientId: ctx.oidc?.client?.clientId ?? claimedClientId(ctx),
        ip: clientAddress(ctx),
        details: {
          endpoint: String(ctx.oidc?.route ?? ctx.path),
          reason: String(error.message ?? ''),
        },
      });
    });
  }
  const { metrics } = input;
  if (metrics) {
    provider.on('grant.success', (ctx) => {
      const grantType = ctx.oidc.params?.grant_type;
      metrics.tokenIssued(typeof grantType === 'string' ? grantType : 'unknown');
    });
  }
  provider.on('server_error', (ctx, error) => {
    log.error('protocol engine error', { path: ctx.path, ...describeError(error) });
  });
  provider.on('grant.revoked', (_ctx, grantId) => log.info('grant revoked', { grantId }));
  provider.on('backchannel.error', (_ctx, error, client) =>
    log.warn('back-channel logout delivery failed', {
      clientId: client.clientId,
      ...describeError(error),
    }),
  );
  return {
    provider,
    mounted: mount(config.basePath || '/', provider as unknown as Parameters<typeof mount>[1]),
    signature: keySignature(set, now),
  };
}
