// A fetch for calling an API with a token source: adds the access token (and, for DPoP-bound
// tokens, a DPoP proof made by openid-client's fetchProtectedResource with the token source's DPoP
// handle, which also keeps the API's DPoP-Nonce and answers a `use_dpop_nonce` challenge by
// retrying once with it), and when the API answers 401 gets a new token and tries once more.
import * as oidc from 'openid-client';
import { defaultFetch, type HttpFetch } from './http.ts';
import {
  dpopHandleOf,
  getToken,
  renewToken,
  type ServiceToken,
  type TokenSource,
} from './service-tokens.ts';

/** A `fetch` that authenticates every request with a token source. */
export type AuthorizedFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * A fetch that sends the source's token (`Authorization: Bearer …`, or `DPoP …` with a proof for
 * DPoP-bound tokens) and, when the API answers 401, renews the token once and retries. An API
 * that requires DPoP nonces (RFC 9449 §9) gets the nonce it asks for: the refused request is sent
 * again once with it, and later proofs carry the API's latest nonce.
 *
 * @example
 * ```ts
 * const api = authorizedFetch(orders);
 * const response = await api('https://api.example.com/orders');
 * ```
 */
export function authorizedFetch(
  source: TokenSource,
  options: { fetch?: HttpFetch } = {},
): AuthorizedFetch {
  const fetchImpl = defaultFetch(options.fetch);
  const send = async (url: string, init: RequestInit, token: ServiceToken) => {
    const handle = dpopHandleOf(source);
    if (handle && token.tokenType === 'DPoP') return sendWithProof(url, init, token, handle);
    const headers = new Headers(init.headers);
    headers.set('authorization', `${token.tokenType} ${token.accessToken}`);
    return fetchImpl(url, { ...init, headers });
  };
  // Resource requests need no client authentication: a configuration of their own, whose fetch
  // is this function's.
  const resources = new oidc.Configuration(
    source.client.issuer.metadata as oidc.ServerMetadata,
    source.client.clientId,
    undefined,
    oidc.None(),
  );
  resources[oidc.customFetch] = (target, request) => fetchImpl(target, request as RequestInit);
  oidc.allowInsecureRequests(resources);
  const sendWithProof = (
    url: string,
    init: RequestInit,
    token: ServiceToken,
    handle: oidc.DPoPHandle,
  ): Promise<Response> =>
    oidc
      .fetchProtectedResource(
        resources,
        token.accessToken,
        new URL(url),
        init.method ?? 'GET',
        (init.body ?? null) as oidc.FetchBody,
        new Headers(init.headers),
        { DPoP: handle },
      )
      .catch(challenged);
  return async (url, init = {}) => {
    const target = String(url);
    const token = await getToken(source);
    const response = await send(target, init, token);
    if (response.status !== 401 || init.body instanceof ReadableStream) return response;
    await response.body?.cancel();
    return send(target, init, await renewToken(source, token.accessToken));
  };
}

/**
 * The API's answer when openid-client reports it as a challenge (after its one `use_dpop_nonce`
 * retry); any other error is thrown.
 */
function challenged(error: unknown): Response {
  if (error instanceof oidc.WWWAuthenticateChallengeError) return error.response;
  throw error;
}
