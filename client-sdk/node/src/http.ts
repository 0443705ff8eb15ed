// The HTTP seam: every request this package makes goes through one `fetch`-compatible function,
// so a caller can add a proxy, tracing or a counter (openid-client's `customFetch`, jose's too).

/**
 * A `fetch`-compatible function. `globalThis.fetch` is the default everywhere one is accepted.
 *
 * @example
 * ```ts
 * const counting: HttpFetch = (url, init) => {
 *   requests++;
 *   return fetch(url, init);
 * };
 * const issuer = await discoverIssuer('https://sso.example.com', { fetch: counting });
 * ```
 */
export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

/** The fetch to use when the caller gave none (read late, so test doubles and polyfills apply). */
export function defaultFetch(fetchImpl: HttpFetch | undefined): HttpFetch {
  return fetchImpl ?? ((url, init) => globalThis.fetch(url, init));
}

/** Seconds since the epoch, the unit of every JWT time claim. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
