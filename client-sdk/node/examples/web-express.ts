import {
  createClient,
  createWebAuth,
  discoverIssuer,
  expressRequireLogin,
  expressWebAuth,
  type SsoRequest,
} from '@sso/client';
import express, { type Request, type Response } from 'express';

const issuer = await discoverIssuer('https://sso.example.com');
const client = createClient(issuer, {
  clientId: 'orders-web',
  clientSecret: process.env.SSO_CLIENT_SECRET!,
});
// Register https://orders.example.com/callback as a redirect URI of the client, and
// https://orders.example.com/ as a post-logout redirect URI.
const web = createWebAuth(client, {
  baseUrl: 'https://orders.example.com',
  secret: process.env.SESSION_SECRET!, // at least 32 bytes: openssl rand -base64 48
  scope: 'openid profile email groups',
  postLogoutRedirectUri: 'https://orders.example.com/',
});

const app = express();
app.use(expressWebAuth(web)); // adds /login, /callback, /logout and req.sso

app.get('/', (req: Request & SsoRequest, res: Response) => {
  res.send(req.sso ? `Hello ${String(req.sso.claims.name)}` : '<a href="/login">Sign in</a>');
});
app.get('/orders', expressRequireLogin(web), (req: Request & SsoRequest, res: Response) => {
  res.json({ user: req.sso!.claims.sub });
});
app.get('/admin', expressRequireLogin(web, { groups: ['admins'] }), (_req, res) => {
  res.send('Admins only');
});
app.listen(3000);
