// What nothing else answered: a known endpoint asked with the wrong method (405, with Allow), or a
// path SSO does not serve (404). Programs get OAuth-style JSON, people the error page; never Koa's
// bare "Not Found" text.
import type { Middleware } from 'koa';
import { errorSentence } from '../../interactions/error-text.ts';
import { renderPage } from '../../interactions/render.ts';
import { isProgramPath } from './program-paths.ts';

// The methods of the engine's program endpoints, relative to the issuer's path.
const METHODS: Record<string, string> = {
  '/token': 'POST, OPTIONS',
  '/token/introspection': 'POST, OPTIONS',
  '/token/revocation': 'POST, OPTIONS',
  '/request': 'POST, OPTIONS',
  '/device/auth': 'POST, OPTIONS',
  '/me': 'GET, POST, OPTIONS',
  '/jwks': 'GET, HEAD, OPTIONS',
  '/.well-known/openid-configuration': 'GET, HEAD, OPTIONS',
  '/.well-known/oauth-authorization-server': 'GET, HEAD, OPTIONS',
  '/healthz': 'GET, HEAD',
};

/**
 * The last middleware: answers requests nothing else did. `browserPost`: whether the authorization
 * and end-session endpoints take POST (see Config.cookieSameSite).
 */
export function notFound(basePath: string, browserPost: boolean): Middleware {
  const browserMethods = browserPost ? 'GET, POST' : 'GET';
  const methods: Record<string, string> = {
    ...METHODS,
    '/auth': browserMethods,
    '/session/end': browserMethods,
  };
  return async (ctx, next) => {
    await next();
    if (ctx.body !== undefined || ctx.status !== 404) return;
    const allowed = methods[ctx.path.slice(basePath.length)];
    const answer = allowed
      ? {
          status: 405,
          error: 'invalid_request',
          description: `${ctx.method} is not allowed here (use ${allowed.replace(/, OPTIONS|, HEAD/g, '')})`,
        }
      : { status: 404, error: 'not_found', description: 'There is nothing at this address.' };
    if (allowed) ctx.set('Allow', allowed);
    ctx.set('Cache-Control', 'no-store');
    if (!isProgramPath(ctx.path, basePath) && ctx.accepts('json', 'html') === 'html') {
      await renderPage(ctx, 'error', {
        title: answer.status === 404 ? 'error.notFoundTitle' : 'error.title',
        error: answer.error,
        description: errorSentence(answer.error, answer.description, answer.status),
        back: undefined,
      });
    } else {
      ctx.body = { error: answer.error, error_description: answer.description };
    }
    ctx.status = answer.status;
  };
}
