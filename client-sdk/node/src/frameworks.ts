// The few parts of Koa and Express (or `node:http`) objects this package touches, typed
// structurally so the package has no type dependency on either framework (both are optional).
import type { VerifiedToken } from './claims.ts';
import type { Session } from './session.ts';

/** The parts of a Koa context this package uses (Koa 2 and 3 contexts fit). */
export interface KoaContextLike {
  method: string;
  path: string;
  querystring: string;
  originalUrl: string;
  /** The full request URL (honours `app.proxy`). */
  href: string;
  headers: Record<string, string | string[] | undefined>;
  state: object;
  status: number;
  body: unknown;
  set(field: string, value: string): void;
  append(field: string, value: string | string[]): void;
}

/** Koa's `ctx.state` after this package's middleware: type your app `new Koa<SsoState>()`. */
export interface SsoState {
  /** The signed-in user's session (`koaWebAuth`); undefined when signed out. */
  sso?: Session | undefined;
  /** The verified access token (`koaRequireToken`). */
  auth?: VerifiedToken | undefined;
}

/** An Express request after this package's middleware: `req.sso`, `req.auth`. */
export interface SsoRequest {
  /** The signed-in user's session (`expressWebAuth`); undefined when signed out. */
  sso?: Session | undefined;
  /** The verified access token (`expressRequireToken`). */
  auth?: VerifiedToken | undefined;
}

/** `ctx.state` as this package sees it. */
export function ssoState(ctx: KoaContextLike): SsoState {
  return ctx.state;
}

/** A Koa middleware. */
export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

/** The parts of an Express (or `node:http`) request this package uses. */
export interface ExpressRequestLike {
  method?: string | undefined;
  /** Relative to the mount point in Express. */
  url?: string | undefined;
  /** Express's full request path and query. */
  originalUrl?: string | undefined;
  /** Express's `req.protocol` (honours `trust proxy`). */
  protocol?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  sso?: Session | undefined;
  auth?: VerifiedToken | undefined;
}

/** The parts of an Express (or `node:http`) response this package uses. */
export interface ExpressResponseLike {
  statusCode: number;
  setHeader(name: string, value: string | readonly string[]): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  end(body?: string): unknown;
}

/** An Express middleware. */
export type ExpressMiddleware = (
  req: ExpressRequestLike,
  res: ExpressResponseLike,
  next: (error?: unknown) => void,
) => Promise<void>;

/** One header value (repeated headers joined as Node joins them). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
