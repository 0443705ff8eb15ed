// A resource server's verification settings: which issuer, audience and algorithms it accepts,
// the clock tolerance, opt-in introspection of opaque tokens, and DPoP proof settings.
import type { Client } from './client.ts';
import { SIGNING_ALGORITHMS } from './contract.ts';
import { SsoError } from './errors.ts';
import type { Issuer } from './issuer.ts';

export interface VerifierOptions {
  /** The API's identifier: tokens must name it (or one of them) in `aud`. */
  audience: string | readonly string[];
  /**
   * Accepted JWS algorithms. Default: the contract's SIGNING_ALGORITHMS (ES256, RS256). `none`
   * and HMAC algorithms (HS*) are refused here, whatever is configured.
   */
  algorithms?: readonly string[];
  /** Seconds of clock difference tolerated for `exp`, `nbf`, `iat`. Default 30, at most 300. */
  clockTolerance?: number;
  /** The `realm` of `WWW-Authenticate` challenges. Default: the first audience. */
  realm?: string;
  /**
   * Accept opaque (non-JWT) tokens by asking SSO (RFC 7662) with these client credentials.
   * Default: opaque tokens are refused. SSO answers only the token's own client and the clients
   * registered as resource servers of its audience (`sso clients add --resource-server`). Tokens
   * of an API registered with `--token-format opaque` carry its audience; opaque tokens without
   * one (for userinfo) are refused unless `missingAudience: 'accept'`, because they were not
   * issued for this API.
   */
  introspection?: { client: Client; missingAudience?: 'reject' | 'accept' };
  /** DPoP proof checks (RFC 9449). DPoP-bound tokens always need a valid proof. */
  dpop?: {
    /** Accepted proof algorithms. Default ES256, ES384, EdDSA, Ed25519, RS256, PS256. */
    algorithms?: readonly string[];
    /** Seconds a proof is valid after its `iat`. Default 60. */
    maxAge?: number;
    /**
     * The API's public origin (e.g. `https://api.example.com`) to check `htu` against, when the
     * server cannot tell (behind a proxy it does not trust). Default: from the request.
     */
    origin?: string;
  };
}

/** A resource server's verification settings. Frozen; made by createVerifier. */
export interface Verifier {
  readonly issuer: Issuer;
  readonly audience: readonly string[];
  readonly algorithms: readonly string[];
  readonly clockTolerance: number;
  readonly realm: string;
  readonly introspection:
    { readonly client: Client; readonly missingAudience: 'reject' | 'accept' } | undefined;
  readonly dpop: {
    readonly algorithms: readonly string[];
    readonly maxAge: number;
    readonly origin: string | undefined;
  };
}

const DPOP_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const;

/**
 * Verification settings for an API that accepts SSO access tokens.
 *
 * @example
 * ```ts
 * const verifier = createVerifier(issuer, { audience: 'https://api.example.com/orders' });
 * ```
 */
export function createVerifier(issuer: Issuer, options: VerifierOptions): Verifier {
  const audience =
    typeof options.audience === 'string' ? [options.audience] : [...options.audience];
  if (audience.length === 0 || audience.some((value) => !value)) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: 'an audience is required' });
  }
  const algorithms = checkAlgorithms(options.algorithms ?? SIGNING_ALGORITHMS, 'algorithms');
  const dpopAlgorithms = checkAlgorithms(
    options.dpop?.algorithms ?? DPOP_ALGORITHMS,
    'dpop.algorithms',
  );
  const clockTolerance = options.clockTolerance ?? 30;
  if (!(clockTolerance >= 0 && clockTolerance <= 300)) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', {
      detail: 'clockTolerance must be 0 to 300 seconds',
    });
  }
  return Object.freeze({
    issuer,
    audience: Object.freeze(audience),
    algorithms,
    clockTolerance,
    realm: options.realm ?? audience[0]!,
    introspection: options.introspection
      ? Object.freeze({
          client: options.introspection.client,
          missingAudience: options.introspection.missingAudience ?? 'reject',
        })
      : undefined,
    dpop: Object.freeze({
      algorithms: dpopAlgorithms,
      maxAge: options.dpop?.maxAge ?? 60,
      origin: options.dpop?.origin,
    }),
  });
}

function checkAlgorithms(algorithms: readonly string[], option: string): readonly string[] {
  if (algorithms.length === 0) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: `${option} must not be empty` });
  }
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none' || /^HS\d+$/i.test(alg)) {
      throw new SsoError('SSO_CONFIGURATION_INVALID', {
        detail: `${option}: ${alg} is never accepted (tokens are signed with public keys)`,
      });
    }
  }
  return Object.freeze([...algorithms]);
}
