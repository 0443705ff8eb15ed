// Without the middleware: the steps it takes, for other frameworks.
import {
  createClient,
  discoverIssuer,
  expiresSoon,
  finishLogin,
  logoutUrl,
  refreshSession,
  revokeToken,
  startLogin,
  type LoginState,
  type Session,
} from '@sso/client';

const issuer = await discoverIssuer('https://sso.example.com');
const client = createClient(issuer, {
  clientId: 'orders-web',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});

// GET /login: keep `state` private to this browser (e.g. in an encrypted cookie), then redirect.
export async function login(): Promise<{ redirectTo: URL; state: LoginState }> {
  const { url, state } = await startLogin(client, {
    redirectUri: 'https://orders.example.com/callback',
    scope: 'openid profile email offline_access',
    returnTo: '/orders',
  });
  return { redirectTo: url, state };
}

// GET /callback: PKCE, state and nonce are checked; claims come from the ID token and userinfo.
export async function callback(callbackUrl: URL, state: LoginState): Promise<Session> {
  return finishLogin(client, callbackUrl, state);
}

// On each request: refresh a minute before expiry. Parallel calls share one refresh.
export async function current(session: Session): Promise<Session> {
  return expiresSoon(session, 60) ? refreshSession(client, session) : session;
}

// GET /logout: revoke what the app holds, then end the SSO session.
export async function logout(session: Session): Promise<URL> {
  if (session.refreshToken) await revokeToken(client, session.refreshToken);
  return logoutUrl(client, {
    idTokenHint: session.idToken,
    postLogoutRedirectUri: 'https://orders.example.com/',
  });
}
