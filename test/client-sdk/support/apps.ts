// The same small app built on Koa and on Express with the client package's middleware, so that one
// suite runs against both: a web app (sign-in) and an API (token verification).
import Router from '@koa/router';
import express, { type Request, type Response } from 'express';
import Koa from 'koa';
import { createHash } from 'node:crypto';
import type { RequestListener } from 'node:http';
import {
  expressRequireLogin,
  expressRequireToken,
  expressWebAuth,
  koaRequireLogin,
  koaRequireToken,
  koaWebAuth,
  type Session,
  type SsoRequest,
  type SsoState,
  type Verifier,
  type VerifiedToken,
  type WebAuth,
} from '../../../client-sdk/node/src/index.ts';

export type Framework = 'koa' | 'express';
export const FRAMEWORKS: Framework[] = ['koa', 'express'];

/** What /me shows: enough to tell sessions and access tokens apart without printing them. */
export function describeSession(session: Session) {
  return {
    sub: session.claims.sub,
    name: session.claims.name,
    groups: session.claims.groups,
    tokenType: session.tokenType,
    expiresAt: session.expiresAt,
    accessToken: createHash('sha256').update(session.accessToken).digest('hex').slice(0, 16),
  };
}

/**
 * A web app: `/public` (anyone), `/me` (signed in), `/admin` (signed in, group `admins`),
 * `/signed-out`; plus the sign-in routes from the middleware.
 */
export function webApp(framework: Framework, web: WebAuth): RequestListener {
  if (framework === 'koa') {
    const app = new Koa<SsoState>();
    const router = new Router<SsoState>();
    router.get('/public', (ctx) => {
      ctx.body = { signedIn: ctx.state.sso !== undefined };
    });
    router.all('/me', koaRequireLogin(web), (ctx) => {
      ctx.body = describeSession(ctx.state.sso!);
    });
    router.get('/admin', koaRequireLogin(web, { groups: ['admins'] }), (ctx) => {
      ctx.body = 'admin area';
    });
    router.get('/signed-out', (ctx) => {
      ctx.body = 'signed out';
    });
    app.use(koaWebAuth(web));
    app.use(router.routes());
    const handle = app.callback();
    return (req, res) => void handle(req, res);
  }
  const app = express();
  app.use(expressWebAuth(web));
  app.get('/public', (req: Request & SsoRequest, res: Response) => {
    res.json({ signedIn: req.sso !== undefined });
  });
  app.all('/me', expressRequireLogin(web), (req: Request & SsoRequest, res: Response) => {
    res.json(describeSession(req.sso!));
  });
  app.get('/admin', expressRequireLogin(web, { groups: ['admins'] }), (_req, res) => {
    res.send('admin area');
  });
  app.get('/signed-out', (_req, res) => {
    res.send('signed out');
  });
  return app;
}

/** What the API echoes for a verified token. */
export function describeToken(auth: VerifiedToken) {
  return { sub: auth.claims.sub, scopes: auth.scopes, via: auth.via, dpop: auth.dpop };
}

/** An API: `GET /orders` needs `orders:read`, `POST /orders` needs `orders:write`. */
export function apiApp(framework: Framework, verifier: Verifier): RequestListener {
  if (framework === 'koa') {
    const app = new Koa<SsoState>();
    const router = new Router<SsoState>();
    router.get('/orders', koaRequireToken(verifier, { scopes: ['orders:read'] }), (ctx) => {
      ctx.body = describeToken(ctx.state.auth!);
    });
    router.post('/orders', koaRequireToken(verifier, { scopes: ['orders:write'] }), (ctx) => {
      ctx.body = describeToken(ctx.state.auth!);
    });
    app.use(router.routes());
    const handle = app.callback();
    return (req, res) => void handle(req, res);
  }
  const app = express();
  app.get(
    '/orders',
    expressRequireToken(verifier, { scopes: ['orders:read'] }),
    (req: Request & SsoRequest, res: Response) => {
      res.json(describeToken(req.auth!));
    },
  );
  app.post(
    '/orders',
    expressRequireToken(verifier, { scopes: ['orders:write'] }),
    (req: Request & SsoRequest, res: Response) => {
      res.json(describeToken(req.auth!));
    },
  );
  return app;
}
