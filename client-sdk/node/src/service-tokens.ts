// Service-to-service tokens (OAuth client credentials): one token source per client and API. The
// token is cached and replaced shortly before it expires; concurrent callers share one token request.
import * as oidc from 'openid-client';
import { configurationOf, type Client } from './client.ts';
import { fromProtocolError } from './server-errors.ts';
import { expiresSoon, tokenTypeOf, type TokenType } from './session.ts';
import type { DpopKeyPair } from './dpop-proof.ts';
import { SsoError } from './errors.ts';
import { nowSeconds } from './http.ts';

export interface TokenSourceOptions {
  /** The API (its registered audience, RFC 8707 `resource`) the tokens are for. */
  resource?: string;
  /** Space-separated scopes to ask for. Default none: SSO then grants every scope of the API. */
  scope?: string;
  /** Seconds before expiry at which a cached token is replaced. Default 30. */
  skew?: number;
  /** Bind the tokens to this key pair (DPoP, RFC 9449); `authorizedFetch` then sends proofs. */
  dpop?: DpopKeyPair;
}

/** A source of client-credentials tokens for one client and API. Frozen; made by clientCredentials. */
export interface TokenSource {
  readonly client: Client;
  readonly resource: string | undefined;
  readonly scope: string | undefined;
  readonly skew: number;
  readonly dpop: DpopKeyPair | undefined;
}

/** An access token from a token source. */
export interface ServiceToken {
  readonly accessToken: string;
  readonly tokenType: TokenType;
  /** Seconds since the epoch; undefined if the server did not say. */
  readonly expiresAt: number | undefined;
  readonly scope: string | undefined;
}

interface SourceState {
  current: ServiceToken | undefined;
  inflight: Promise<ServiceToken> | undefined;
  dpop: oidc.DPoPHandle | undefined;
}

const states = new WeakMap<TokenSource, SourceState>();

/**
 * A client-credentials token source for `client` and one API.
 *
 * @example
 * ```ts
 * const orders = clientCredentials(client, {
 *   resource: 'https://api.example.com/orders',
 *   scope: 'orders:read',
 * });
 * ```
 */
export function clientCredentials(client: Client, options: TokenSourceOptions = {}): TokenSource {
  const source: TokenSource = Object.freeze({
    client,
    resource: options.resource,
    scope: options.scope,
    skew: options.skew ?? 30,
    dpop: options.dpop,
  });
  states.set(source, {
    current: undefined,
    inflight: undefined,
    dpop: options.dpop ? oidc.getDPoPHandle(configurationOf(client), options.dpop) : undefined,
  });
  return source;
}

/**
 * A valid token: the cached one, or a new one when it expires within `skew` seconds. Concurrent
 * callers share one token request. Throws `SSO_TOKEN_REQUEST_FAILED`.
 *
 * @example
 * ```ts
 * const { accessToken } = await getToken(orders);
 * ```
 */
export function getToken(source: TokenSource): Promise<ServiceToken> {
  const state = stateOf(source);
  if (state.current && !expiresSoon(state.current, source.skew)) {
    return Promise.resolve(state.current);
  }
  return state.inflight ?? request(source, state);
}

/**
 * A new token, even if the cached one has not expired (e.g. after an API answered 401). Pass the
 * token that was refused: if another caller has already replaced it, that newer token is returned
 * instead of asking again. Concurrent callers share one token request.
 *
 * @example
 * ```ts
 * const fresh = await renewToken(orders, refused.accessToken);
 * ```
 */
export function renewToken(source: TokenSource, refused?: string): Promise<ServiceToken> {
  const state = stateOf(source);
  if (state.inflight) return state.inflight;
  if (state.current && refused !== undefined && state.current.accessToken !== refused) {
    return getToken(source);
  }
  return request(source, state);
}

/** The DPoP handle of a DPoP token source (package-internal). */
export function dpopHandleOf(source: TokenSource): oidc.DPoPHandle | undefined {
  return stateOf(source).dpop;
}

function request(source: TokenSource, state: SourceState): Promise<ServiceToken> {
  const parameters: Record<string, string> = {};
  if (source.scope) parameters.scope = source.scope;
  if (source.resource) parameters.resource = source.resource;
  const flight = oidc
    .clientCredentialsGrant(
      configurationOf(source.client),
      parameters,
      state.dpop ? { DPoP: state.dpop } : undefined,
    )
    .then(
      (tokens) => {
        const token: ServiceToken = Object.freeze({
          accessToken: tokens.access_token,
          tokenType: tokenTypeOf(tokens.token_type),
          expiresAt: tokens.expires_in === undefined ? undefined : nowSeconds() + tokens.expires_in,
          scope: tokens.scope,
        });
        state.current = token;
        return token;
      },
      (error: unknown) => {
        throw fromProtocolError('SSO_TOKEN_REQUEST_FAILED', error, 'the client credentials grant');
      },
    )
    .finally(() => {
      if (state.inflight === flight) state.inflight = undefined;
    });
  state.inflight = flight;
  return flight;
}

function stateOf(source: TokenSource): SourceState {
  const state = states.get(source);
  if (!state) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: 'not made by clientCredentials()' });
  }
  return state;
}
