// SSO's own pages (the admin console, the account page) sign people in the way any app does: the
// authorization-code flow with PKCE against SSO's own issuer, as a first-party client of SSO's own
// (openid-client). Its calls to
// the issuer (discovery, JWKS, token) go to this server's own listening address, since the
// issuer's public URL may not be reachable from the server itself (behind a proxy, in a container).
import type { Context } from 'koa';
import * as oidc from 'openid-client';
import type { PageClient } from '../../provider/administration/system.ts';
import type { Clients } from '../../provider/clients/clients.ts';

// The cookie holding the sign-in in progress (PKCE verifier, state, nonce, where to return) is
// named after the client's session cookie, with `_login`.
const LOGIN_TTL_MS = 10 * 60 * 1000;

interface PendingSignIn {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export interface SignInDeps {
  issuer: string;
  /** Which of SSO's own clients signs in, and where it is sent back. */
  client: PageClient;
  /** The name of the cookie of the sign-in in progress. */
  loginCookie: string;
  clients: Clients;
  /** This server's own address, e.g. http://127.0.0.1:3000. */
  selfUrl: () => string;
  cookiePath: string;
  secure: boolean;
}

/** What a completed sign-in gives the console. */
export interface SignedIn {
  accountId: string;
  /** The opaque access token (for userinfo): its record names the console's grant. */
  accessToken: string;
  idToken: string;
  returnTo: string;
}

/** The console's relying-party side. */
export class ConsoleSignIn {
  readonly #deps: SignInDeps;
  #config: Promise<oidc.Configuration> | undefined;
  #secret: string | undefined;

  constructor(deps: SignInDeps) {
    this.#deps = deps;
  }

  /** Redirects the browser to SSO's authorization endpoint; `returnTo` is a console path. */
  async begin(ctx: Context, returnTo: string): Promise<void> {
    const config = await this.#configuration();
    const pending: PendingSignIn = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      returnTo,
    };
    ctx.cookies.set(
      this.#deps.loginCookie,
      Buffer.from(JSON.stringify(pending)).toString('base64url'),
      {
        signed: true,
        httpOnly: true,
        sameSite: 'lax',
        secure: this.#deps.secure,
        path: this.#deps.cookiePath,
        maxAge: LOGIN_TTL_MS,
        overwrite: true,
      },
    );
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.#deps.client.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  }

  /**
   * Completes the sign-in from the authorization response at the callback; undefined when there
   * is no sign-in in progress in this browser. Throws openid-client's errors for a bad response.
   */
  async complete(ctx: Context): Promise<SignedIn | undefined> {
    const raw = ctx.cookies.get(this.#deps.loginCookie, { signed: true });
    ctx.cookies.set(this.#deps.loginCookie, '', {
      path: this.#deps.cookiePath,
      maxAge: 0,
      overwrite: true,
    });
    if (!raw) return undefined;
    let pending: PendingSignIn;
    try {
      pending = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PendingSignIn;
    } catch {
      return undefined;
    }
    const config = await this.#configuration();
    const callback = new URL(this.#deps.client.redirectUri);
    callback.search = ctx.querystring;
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    return {
      accountId: tokens.claims()!.sub,
      accessToken: tokens.access_token,
      idToken: tokens.id_token!,
      returnTo: pending.returnTo,
    };
  }

  /** SSO's end-session URL for signing out with `idToken`, back to the console afterwards. */
  async endSessionUrl(idToken: string): Promise<string> {
    const config = await this.#configuration();
    return oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: this.#deps.client.postLogoutUri,
    }).href;
  }

  // Discovered once (again after a failure, or when the console's secret changed).
  async #configuration(): Promise<oidc.Configuration> {
    const client = await this.#deps.clients.get(this.#deps.client.clientId);
    const secret = client?.metadata.client_secret;
    if (typeof secret !== 'string')
      throw new Error(`${this.#deps.client.clientId} is not registered`);
    if (secret !== this.#secret || !this.#config) {
      this.#secret = secret;
      this.#config = this.#discover(secret);
      this.#config.catch(() => (this.#config = undefined));
    }
    return this.#config;
  }

  async #discover(secret: string): Promise<oidc.Configuration> {
    const issuerOrigin = new URL(this.#deps.issuer).origin;
    const local: oidc.CustomFetch = (url, options) => {
      const target = new URL(url);
      const self = new URL(this.#deps.selfUrl());
      if (target.origin === issuerOrigin) {
        target.protocol = self.protocol;
        target.host = self.host;
      }
      return fetch(target, options as RequestInit);
    };
    const config = await oidc.discovery(
      new URL(this.#deps.issuer),
      this.#deps.client.clientId,
      undefined,
      oidc.ClientSecretBasic(secret),
      {
        [oidc.customFetch]: local,
        ...(new URL(this.#deps.issuer).protocol === 'http:'
          ? { execute: [oidc.allowInsecureRequests] }
          : {}),
      },
    );
    config[oidc.customFetch] = local;
    return config;
  }
}
