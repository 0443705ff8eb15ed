// Discovery of an issuer (OpenID Connect Discovery 1.0, through oauth4webapi), cached per process,
// and its JWKS: fetched on first use, cached, and fetched again when a token names a key id we do
// not know yet (a key rotation), at most once per cooldown period (jose's createRemoteJWKSet).
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { SsoError } from './errors.ts';
import { defaultFetch, type HttpFetch } from './http.ts';

/** The issuer metadata this package reads (a subset of what SSO publishes). */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
  readonly introspection_endpoint?: string;
  readonly revocation_endpoint?: string;
  readonly end_session_endpoint?: string;
  readonly userinfo_endpoint?: string;
  readonly scopes_supported?: readonly string[];
  readonly claims_supported?: readonly string[];
  readonly id_token_signing_alg_values_supported?: readonly string[];
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly [name: string]: unknown;
}

/** A discovered issuer: its metadata and a caching JWKS key resolver. Frozen; share it. */
export interface Issuer {
  /** The issuer identifier, exactly as published. */
  readonly issuer: string;
  readonly metadata: IssuerMetadata;
  /** Resolves a JWS header to the issuer's public key (jose's `createRemoteJWKSet`). */
  readonly keys: JWTVerifyGetKey;
  /** Whether plain-http endpoints are allowed (`allowHttp`). */
  readonly allowHttp: boolean;
  /** The fetch used for every request to this issuer. */
  readonly fetch: HttpFetch;
}

export interface DiscoveryOptions {
  /**
   * Allow an `http:` issuer. Default `false`: only https. For local development and tests only;
   * never in production.
   */
  allowHttp?: boolean;
  /** The fetch for discovery, JWKS, and every client of this issuer. Default `globalThis.fetch`. */
  fetch?: HttpFetch;
  /**
   * Seconds after a JWKS fetch before a token with an unknown key id may trigger another fetch.
   * Default 30. Bounds how often forged tokens can make us call the issuer.
   */
  jwksCooldown?: number;
  /** Seconds the JWKS is used before it is fetched again anyway. Default 600. */
  jwksMaxAge?: number;
  /** Seconds before a discovery or JWKS request is abandoned. Default 10. */
  timeout?: number;
}

const cache = new WeakMap<HttpFetch, Map<string, Promise<Issuer>>>();
const globalFetchKey: HttpFetch = (url, init) => globalThis.fetch(url, init);

/**
 * Discovers `issuer` (its `/.well-known/openid-configuration`) and prepares its JWKS. The result is
 * cached for the life of the process (per issuer, options and fetch); a failed discovery is not
 * cached. Throws `SSO_DISCOVERY_FAILED`.
 *
 * @example
 * ```ts
 * const issuer = await discoverIssuer('https://sso.example.com');
 * ```
 */
export function discoverIssuer(
  issuer: string | URL,
  options: DiscoveryOptions = {},
): Promise<Issuer> {
  const fetchKey = options.fetch ?? globalFetchKey;
  let perFetch = cache.get(fetchKey);
  if (!perFetch) cache.set(fetchKey, (perFetch = new Map<string, Promise<Issuer>>()));
  const key = JSON.stringify([
    String(issuer),
    options.allowHttp ?? false,
    options.jwksCooldown,
    options.jwksMaxAge,
    options.timeout,
  ]);
  const cached = perFetch.get(key);
  if (cached) return cached;
  const discovery = discover(issuer, options);
  perFetch.set(key, discovery);
  discovery.catch(() => perFetch.delete(key));
  return discovery;
}

async function discover(given: string | URL, options: DiscoveryOptions): Promise<Issuer> {
  const allowHttp = options.allowHttp ?? false;
  const fetchImpl = defaultFetch(options.fetch);
  const timeout = (options.timeout ?? 10) * 1000;
  const expected = parseIssuer(String(given), allowHttp);
  // A URL object cannot say "no trailing slash" for a bare origin; a string is compared exactly.
  const accepted = given instanceof URL ? [expected, expected.replace(/\/$/, '')] : [expected];
  const wellKnown = `${expected.replace(/\/$/, '')}/.well-known/openid-configuration`;
  // oauth4webapi fetches and checks the document (status, JSON, an issuer naming the same URL);
  // the identifier itself is then compared exactly, as a string (Discovery §4.3).
  let metadata: IssuerMetadata;
  try {
    const response = await oauth.discoveryRequest(new URL(expected), {
      algorithm: 'oidc',
      [oauth.customFetch]: (url, init) => fetchImpl(url, init),
      [oauth.allowInsecureRequests]: allowHttp,
      signal: AbortSignal.timeout(timeout),
    });
    metadata = (await oauth.processDiscoveryResponse(
      new URL(expected),
      response,
    )) as IssuerMetadata;
  } catch (error) {
    throw new SsoError('SSO_DISCOVERY_FAILED', {
      detail: `${wellKnown}: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  if (!metadata || typeof metadata !== 'object' || !accepted.includes(metadata.issuer)) {
    throw new SsoError('SSO_DISCOVERY_FAILED', {
      detail: `the document names issuer "${String(metadata?.issuer)}", expected "${expected}"`,
    });
  }
  const issuer = metadata.issuer;
  if (typeof metadata.jwks_uri !== 'string') {
    throw new SsoError('SSO_DISCOVERY_FAILED', { detail: 'the document has no jwks_uri' });
  }
  const jwksUrl = new URL(metadata.jwks_uri);
  if (jwksUrl.protocol !== 'https:' && !(allowHttp && jwksUrl.protocol === 'http:')) {
    throw new SsoError('SSO_DISCOVERY_FAILED', { detail: `jwks_uri ${jwksUrl.href} is not https` });
  }
  const keys = createRemoteJWKSet(jwksUrl, {
    cooldownDuration: (options.jwksCooldown ?? 30) * 1000,
    cacheMaxAge: (options.jwksMaxAge ?? 600) * 1000,
    timeoutDuration: timeout,
    [customFetch]: (url, init) => fetchImpl(url, init),
  });
  return Object.freeze({
    issuer,
    metadata: deepFreeze(metadata),
    keys,
    allowHttp,
    fetch: fetchImpl,
  });
}

function parseIssuer(issuer: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch (error) {
    throw new SsoError('SSO_DISCOVERY_FAILED', {
      detail: `"${issuer}" is not a URL`,
      cause: error,
    });
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new SsoError('SSO_DISCOVERY_FAILED', {
      detail: `"${issuer}" is not https (pass allowHttp for local development)`,
    });
  }
  return issuer;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
