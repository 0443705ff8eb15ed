// Relying-party steps shared by end-to-end tests: discovery with openid-client and a sign-in through
// SSO's pages, submitted over HTTP the way a browser submits them.
import * as oidc from 'openid-client';
import type { UserAgent } from './user-agent.ts';
import { formTo, left, page, type Page } from './user-agent.ts';

export const REDIRECT_URI = 'https://rp.example.test/callback';
export const POST_LOGOUT_URI = 'https://rp.example.test/signed-out';

/** openid-client configuration for a client of `issuer` (http allowed: tests run on loopback). */
export async function discover(
  issuer: string,
  clientId: string,
  secret: string | undefined,
  options: { customFetch?: oidc.CustomFetch } = {},
): Promise<oidc.Configuration> {
  const auth = secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret);
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, auth, {
    execute: [oidc.allowInsecureRequests],
    ...(options.customFetch ? { [oidc.customFetch]: options.customFetch } : {}),
  });
  if (options.customFetch) config[oidc.customFetch] = options.customFetch;
  return config;
}

export interface Authorization {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** An authorization URL with PKCE (S256), state and nonce. */
export async function authorizationRequest(
  config: oidc.Configuration,
  parameters: Record<string, string> = {},
): Promise<Authorization> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid profile email groups',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  return { url, verifier, state, nonce };
}

/** Opens `url`, signs in on the login page and accepts the consent page if one is shown. */
export async function signIn(
  agent: UserAgent,
  url: URL,
  credentials: { login: string; password: string },
): Promise<URL> {
  const first = await agent.open(url.href);
  if ('left' in first) return left(first);
  let current: Page = first;
  if (current.html.includes('name="password"')) {
    const next = await agent.submit(formTo(current, '/login'), credentials);
    if ('left' in next) return left(next);
    current = next;
  }
  return left(await agent.submit(formTo(page(current), '/confirm')));
}

/** The code flow from authorization URL to tokens, signing in as `credentials`. */
export async function codeFlow(
  config: oidc.Configuration,
  agent: UserAgent,
  credentials: { login: string; password: string },
  parameters: Record<string, string> = {},
) {
  const request = await authorizationRequest(config, parameters);
  const callback = await signIn(agent, request.url, credentials);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
  });
  return { tokens, callback, request };
}
