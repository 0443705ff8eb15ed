// A browser signing in to an app that uses the client package: the app's /login, SSO's pages, the
// app's /callback, with cookies kept for both (UserAgent from the end-to-end support).
import { signIn } from '../../support/flows.ts';
import { UserAgent } from '../../support/user-agent.ts';

/** A fresh browser for `ssoIssuer`. */
export function browser(ssoIssuer: string): UserAgent {
  return new UserAgent({ ssoOrigin: new URL(ssoIssuer).origin });
}

/** Signs in through the app's login route; answers the app's redirect after the callback. */
export async function signInToApp(
  agent: UserAgent,
  appOrigin: string,
  credentials: { login: string; password: string },
  returnTo = '/me',
): Promise<Response> {
  const login = await agent.request(`${appOrigin}/login?returnTo=${encodeURIComponent(returnTo)}`);
  if (login.status !== 302) throw new Error(`/login answered ${login.status}`);
  const callback = await signIn(agent, new URL(login.headers.get('location')!), credentials);
  return agent.request(callback.href);
}

/** The Set-Cookie values of a response. */
export function setCookies(response: Response): string[] {
  return response.headers.getSetCookie();
}
