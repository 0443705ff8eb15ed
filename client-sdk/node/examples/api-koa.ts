import { createVerifier, discoverIssuer, koaRequireToken, type SsoState } from '@sso/client';
import Koa from 'koa';

const issuer = await discoverIssuer('https://sso.example.com');
const verifier = createVerifier(issuer, {
  audience: 'https://api.example.com/orders',
  realm: 'orders',
});

const app = new Koa<SsoState>();
app.use(koaRequireToken(verifier, { scopes: ['orders:read'] }));
app.use((ctx) => {
  ctx.body = { caller: ctx.state.auth!.claims.sub, viaDpop: ctx.state.auth!.dpop };
});
app.listen(4000);
