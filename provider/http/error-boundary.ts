// The one place where errors of our own routes (interactions, health, limits) become responses. The
// protocol endpoints have oidc-provider's own handler. People get a readable page, programs get
// OAuth-style JSON (always, on the paths only programs call); nobody gets a stack trace. SSO's own
// errors are told apart by their class (error-kinds.ts); Koa's and the engine's by the HTTP status
// and OAuth code they carry.
import type { Context, Middleware } from 'koa';
import { errorSentence } from '../../interactions/error-text.ts';
import type { Text } from '../../interactions/i18n/locales.ts';
import { ruleText } from '../../interactions/messages.ts';
import { renderPage } from '../../interactions/render.ts';
import { errorKind } from '../error-kinds.ts';
import { describeError, type Logger } from '../log.ts';
import { STORE_OUTAGE_DESCRIPTION } from '../oidc/outage.ts';
import { isProgramPath } from './program-paths.ts';

interface Answer {
  status: number;
  error: string;
  description: string;
  /** What the error page says, when not the sentence for the error code (error-text.ts). */
  text?: Text;
}

/** Catches what the routes below throw and answers it in the shape the caller expects. */
export function errorBoundary(log: Logger, basePath: string): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const answer = classify(error);
      if (answer.status >= 500 && answer.status !== 503)
        log.error('request failed', { path: ctx.path, ...describeError(error) });
      await respond(ctx, answer, !isProgramPath(ctx.path, basePath));
    }
  };
}

function classify(error: unknown): Answer {
  const known = errorKind(error);
  switch (known.kind) {
    case 'unavailable':
      return {
        status: 503,
        error: 'temporarily_unavailable',
        description: STORE_OUTAGE_DESCRIPTION,
      };
    case 'invalid':
      return {
        status: 400,
        error: 'invalid_request',
        description: known.message,
        text: ruleText(known.message),
      };
    case 'not_found':
      return { status: 404, error: 'not_found', description: known.message };
    case 'conflict':
    case 'concurrent':
      return { status: 409, error: 'conflict', description: known.message };
    case 'stale':
      return { status: 412, error: 'precondition_failed', description: known.message };
    case 'forbidden':
      return { status: 403, error: 'forbidden', description: known.message };
    case 'undelivered':
      return { status: 503, error: 'temporarily_unavailable', description: known.message };
    case 'config':
    case 'unexpected':
      break;
  }
  // Koa's HttpErrors and the engine's OIDCProviderErrors: `expose` marks those meant to be shown.
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (e.expose === true) {
    const status = typeof e.status === 'number' ? e.status : 500;
    // oidc-provider errors carry the OAuth error code; Koa's HttpErrors carry only a message.
    const code = typeof e.error === 'string' ? e.error : 'invalid_request';
    const description =
      typeof e.error_description === 'string' ? e.error_description : String(e.message);
    return { status, error: code, description };
  }
  return {
    status: 500,
    error: 'server_error',
    description: 'Something went wrong on our side. Try again later.',
  };
}

async function respond(ctx: Context, answer: Answer, mayBePage: boolean): Promise<void> {
  ctx.status = answer.status;
  ctx.set('Cache-Control', 'no-store');
  if (mayBePage && ctx.accepts('json', 'html') === 'html') {
    try {
      await renderPage(ctx, 'error', {
        title: answer.status === 404 ? 'error.notFoundTitle' : 'error.title',
        error: answer.error,
        description: answer.text ?? errorSentence(answer.error, answer.description, answer.status),
        back: undefined,
      });
      ctx.status = answer.status;
      return;
    } catch {
      // fall through to JSON
    }
  }
  ctx.body = { error: answer.error, error_description: answer.description };
}
