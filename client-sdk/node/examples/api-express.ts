import { createVerifier, discoverIssuer, expressRequireToken, type SsoRequest } from '@sso/client';
import express, { type Request, type Response } from 'express';

const issuer = await discoverIssuer('https://sso.example.com');
// The API as registered at SSO: its audience is what tokens must be for.
const verifier = createVerifier(issuer, { audience: 'https://api.example.com/orders' });

const app = express();
app.get(
  '/orders',
  expressRequireToken(verifier, { scopes: ['orders:read'] }),
  (req: Request & SsoRequest, res: Response) => {
    res.json({ caller: req.auth!.claims.client_id, scopes: req.auth!.scopes });
  },
);
app.post('/orders', expressRequireToken(verifier, { scopes: ['orders:write'] }), (_req, res) => {
  res.status(201).end();
});
// Without a token: 401 and `WWW-Authenticate: Bearer realm="..."`; with a bad one:
// error="invalid_token"; without the scope: 403, error="insufficient_scope", scope="orders:write".
app.listen(4000);
