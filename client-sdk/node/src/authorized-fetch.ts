// A fetch for calling an API with a token source: adds the access token (and a DPoP proof for
// DPoP-bound tokens), and when the API answers 401 gets a new token and tries once more.
import { createDpopProof } from './dpop-proof.ts';
import { defaultFetch, type HttpFetch } from './http.ts';
import { getToken, renewToken, type ServiceToken, type TokenSource } from './service-tokens.ts';

/** A fetch that authenticates every request with a token source. */
export type AuthorizedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that sends `source`'s token to the API; on 401 it renews the token and retries once
 * (requests with a stream body are not retried).
 *
 * @example
 * ```ts
 * const callOrders = authorizedFetch(orders);
 * const response = await callOrders('https://orders.example.com/orders/42');
 * ```
 */
export function authorizedFetch(
  source: TokenSource,
  options: { fetch?: HttpFetch } = {},
): AuthorizedFetch {
  const fetchImpl = defaultFetch(options.fetch);
  const send = async (url: string, init: RequestInit, token: ServiceToken) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `${token.tokenType} ${token.accessToken}`);
    if (source.dpop && token.tokenType === 'DPoP') {
      headers.set(
        'dpop',
        await createDpopProof(source.dpop, {
          method: init.method ?? 'GET',
          url,
          accessToken: token.accessToken,
        }),
      );
    }
    return fetchImpl(url, { ...init, headers });
  };
  return async (url, init = {}) => {
    const target = String(url);
    const token = await getToken(source);
    const response = await send(target, init, token);
    if (response.status !== 401 || init.body instanceof ReadableStream) return response;
    await response.body?.cancel();
    return send(target, init, await renewToken(source, token.accessToken));
  };
}
