import {
  createClient,
  createWebAuth,
  discoverIssuer,
  koaRequireLogin,
  koaWebAuth,
  type SsoState,
} from '@sso/client';
import Koa from 'koa';

const issuer = await discoverIssuer('https://sso.example.com');
const client = createClient(issuer, {
  clientId: 'orders-web',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});
const web = createWebAuth(client, {
  baseUrl: 'https://orders.example.com',
  secret: process.env.SESSION_SECRET!,
  paths: { login: '/auth/login', callback: '/auth/callback', logout: '/auth/logout' },
});

const app = new Koa<SsoState>();
app.use(koaWebAuth(web)); // adds the three routes and ctx.state.sso
app.use(koaRequireLogin(web)); // everything below needs a signed-in user
app.use((ctx) => {
  ctx.body = { user: ctx.state.sso!.claims.sub, email: ctx.state.sso!.claims.email };
});
app.listen(3000);
