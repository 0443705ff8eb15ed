// JWT access tokens (RFC 9068) at introspection and revocation. oidc-provider does not store the
// tokens it issues as JWTs, and refuses JWTs at both endpoints (`unsupported_token_type`). SSO keeps
// a record of each anyway, under its `jti`, in the same shape the engine stores opaque tokens (the
// `formats.customizers.jwt` hook, awaited while the token is made), and when a client presents a
// JWT at introspection or revocation, it verifies the JWT (signature with SSO's keys, issuer, type)
// and hands the engine the record's id instead. From there the engine does what it does for opaque
// tokens: the grant must still exist (disabling a user or removing a client deletes it), the
// introspection policy applies, and revoking an access token revokes its grant.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { OidcModel, Store } from '../../adapters/store.ts';

type JwtCustomizer = NonNullable<
  NonNullable<NonNullable<Configuration['formats']>['customizers']>['jwt']
>;

/** The routes where a presented JWT access token is turned into its record. */
const TOKEN_ROUTES = new Set(['introspection', 'revocation']);

// The private members of a JWK; the rest is the public key.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'key_ops'];

/** `formats.customizers.jwt`: stores the record of every JWT access token as it is issued. */
export function keepJwtRecords(store: Store): JwtCustomizer {
  return async (_ctx, token, jwt) => {
    const model = token.kind as OidcModel;
    const fields = (token.constructor as unknown as { IN_PAYLOAD: string[] }).IN_PAYLOAD;
    const source = token as unknown as Record<string, unknown>;
    // The times as the JWT carries them (the engine computes them for the JWT, not on the model).
    const { iat, exp } = jwt.payload as { iat: number; exp: number };
    const payload: Record<string, unknown> = { iat, exp };
    for (const field of fields) {
      if (source[field] !== undefined) payload[field] = source[field];
    }
    const expiresIn = Math.max(1, exp - Math.floor(Date.now() / 1000));
    await store.oidc.upsert(model, token.jti, payload, expiresIn);
  };
}

/** Verifies JWT access tokens against the keys SSO publishes, for one engine build. */
export function jwtAccessTokenVerifier(
  issuer: string,
  privateJwks: { keys: Record<string, unknown>[] },
) {
  const keys = createLocalJWKSet({
    keys: privateJwks.keys.map((key) =>
      Object.fromEntries(Object.entries(key).filter(([name]) => !PRIVATE_MEMBERS.includes(name))),
    ),
  });
  /**
   * At introspection or revocation, replaces a presented JWT access token by the id of its record
   * (or by an id that finds nothing, when the JWT is not one SSO issued and signed).
   */
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const params = ctx.oidc.params as { token?: unknown; token_type_hint?: unknown } | undefined;
    if (!params || !TOKEN_ROUTES.has(ctx.oidc.route) || typeof params.token !== 'string') return;
    if (!looksLikeJwt(params.token)) return;
    try {
      const { payload } = await jwtVerify(params.token, keys, {
        issuer,
        typ: 'at+jwt',
        // Expiry is the engine's to judge, on the record, like for any other token.
        currentDate: new Date(0),
      });
      params.token = typeof payload.jti === 'string' ? payload.jti : NOT_A_TOKEN;
    } catch {
      params.token = NOT_A_TOKEN;
    }
    params.token_type_hint = 'access_token';
  };
}

// An id no token has (token ids are nanoid characters only).
const NOT_A_TOKEN = '!';

// Three dot-separated parts, the first a header with `alg`. Opaque tokens (nanoid: no dots) are
// told apart without decoding: a failed decode throws, and an exception per introspection of an
// opaque token was a measurable share of that request (npm run bench:profile -- C).
function looksLikeJwt(value: string): boolean {
  if (value.split('.', 4).length !== 3) return false;
  try {
    return Boolean(decodeProtectedHeader(value).alg);
  } catch {
    return false;
  }
}
