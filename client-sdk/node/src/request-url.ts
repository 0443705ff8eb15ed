// The URL a client addressed, for DPoP's `htu`, and the scheme it used, for the challenge.
import { TOKEN_TYPES } from './contract.ts';
import type { Verifier } from './verifier.ts';

/** `url` with the verifier's configured public origin, if one is configured. */
export function publicUrl(verifier: Verifier, url: string): string {
  if (!verifier.dpop.origin) return url;
  const parsed = new URL(url);
  return new URL(parsed.pathname + parsed.search, verifier.dpop.origin).href;
}

/** `DPoP` if the Authorization header uses that scheme, else `Bearer`. */
export function schemeOf(authorization: string | string[] | undefined): 'Bearer' | 'DPoP' {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  return /^dpop\s/i.test(value ?? '') ? TOKEN_TYPES.dpop : TOKEN_TYPES.bearer;
}
