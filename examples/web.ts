// Example: a web app that signs people in with SSO (authorization-code flow with PKCE) and shows
// the signed-in user's claims at `/`. The middleware serves /login, /callback and /logout and keeps
// the session in an encrypted cookie.
//
//   npx node --env-file=examples/.env examples/web.ts
import Koa from 'koa';
// A real service imports these from '@sso/client'.
import {
  createClient,
  createWebAuth,
  discoverIssuer,
  koaWebAuth,
  type Session,
  type SsoState,
} from '../client-sdk/node/src/index.ts';

const SSO_ISSUER = process.env.SSO_ISSUER ?? 'http://localhost:3000';
const WEB_APP_URL = (process.env.WEB_APP_URL ?? 'http://localhost:4000').replace(/\/$/, '');
const SSO_ORIGIN = new URL(SSO_ISSUER).origin;

// Plain http only for an SSO on this machine (development); anywhere else SSO must be https.
const local = ['localhost', '127.0.0.1', '[::1]'].includes(new URL(SSO_ISSUER).hostname);
const issuer = await discoverIssuer(SSO_ISSUER, { allowHttp: local }).catch((error: unknown) =>
  fail(
    `cannot reach SSO at ${SSO_ISSUER}: ${error instanceof Error ? error.message : String(error)}`,
  ),
);
const client = createClient(issuer, {
  clientId: required('WEB_CLIENT_ID'),
  clientSecret: required('WEB_CLIENT_SECRET'),
});
// The client is registered with redirect URI WEB_APP_URL/callback and post-logout URI WEB_APP_URL/.
const web = createWebAuth(client, {
  baseUrl: WEB_APP_URL,
  secret: required('WEB_SESSION_SECRET'), // encrypts the session cookie; at least 32 bytes
  scope: 'openid profile email groups',
  postLogoutRedirectUri: `${WEB_APP_URL}/`,
});

const app = new Koa<SsoState>();
app.use(koaWebAuth(web)); // serves /login, /callback, /logout; sets ctx.state.sso on other requests
app.use((ctx) => {
  if (ctx.path !== '/' || ctx.method !== 'GET') return; // anything else: Koa's 404
  // Nothing but this HTML; the sign-out form posts here and is redirected on to SSO.
  ctx.set('Content-Security-Policy', `default-src 'none'; form-action 'self' ${SSO_ORIGIN}`);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'html';
  ctx.body = homePage(ctx.state.sso);
});
app.listen(Number(new URL(WEB_APP_URL).port) || 80, () => {
  process.stdout.write(`Web app at ${WEB_APP_URL}/ (sign in with a user of ${SSO_ISSUER})\n`);
});

// The page: the user's claims (every value escaped) and a sign-out button, or a sign-in link.
function homePage(session: Session | undefined): string {
  const body = session
    ? `<p>Signed in as <strong>${escape(session.claims.name ?? session.claims.sub)}</strong>.</p>
<table>
<tr><th>claim</th><th>value</th></tr>
${Object.entries(session.claims)
  .map(([claim, value]) => `<tr><td>${escape(claim)}</td><td>${escape(value)}</td></tr>`)
  .join('\n')}
</table>
<form method="post" action="/logout"><button>Sign out</button></form>`
    : '<p>You are not signed in. <a href="/login">Sign in</a></p>';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Example web app</title></head>
<body>
<h1>Example web app</h1>
${body}
</body>
</html>
`;
}

// Text for HTML: claims come from the user's profile and may contain anything.
function escape(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!,
  );
}

// A setting the app cannot run without (examples/register.sh writes them to examples/.env).
function required(name: string): string {
  const value = process.env[name];
  if (!value) fail(`${name} is not set: run examples/register.sh and start with --env-file`);
  return value;
}

function fail(message: string): never {
  process.stderr.write(`web: ${message}\n`);
  process.exit(1);
}
