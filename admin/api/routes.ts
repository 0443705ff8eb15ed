// The admin API (`<issuer>/admin/api`): JSON over HTTP for the operations of
// provider/administration, described by openapi.ts. Every request is authorized (authorize.ts),
// every body checked against its schema (validation.ts) before anything is done, every change made
// against the version its If-Match names, and every error answered as a problem (problem.ts).
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { AdminOperations } from '../../provider/administration/operations.ts';
import { ADMIN_PATH } from '../../provider/administration/system.ts';
import type { Actor } from '../../provider/administration/operations.ts';
import { describeError, type Logger } from '../../provider/log.ts';
import { authorize, type AuthorizeDeps } from './authorize.ts';
import { openApiDocument } from './openapi.ts';
import { Problem, sendProblem, toProblem } from './problem.ts';
import { checkBody } from './validation.ts';

export interface AdminApiDeps extends AuthorizeDeps {
  basePath: string;
  log: Logger;
  /** The operations, with the caller recorded as the actor of every change. */
  administration: (by: Actor) => AdminOperations;
}

/** The admin API's path under the issuer's. */
export const API_PATH = `${ADMIN_PATH}/api`;

/** Koa middleware serving the admin API under `<basePath>/admin/api`. */
export function adminApi(deps: AdminApiDeps): Middleware {
  const prefix = `${deps.basePath}${API_PATH}`;
  // Where the API is reached from outside (Location headers).
  const root = `${deps.issuer}${API_PATH}`;
  const router = new Router({ prefix });
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: '64kb',
    encoding: 'utf-8',
    onError: (error) => {
      throw error;
    },
  });
  const document = openApiDocument(deps.issuer);

  // A handler that runs for a caller allowed to read (or, with `write`, to change).
  const as =
    (write: boolean, handler: (ctx: Context, admin: AdminOperations) => Promise<void>) =>
    async (ctx: Context) => {
      const caller = await authorize(ctx, deps, write);
      await handler(ctx, deps.administration(caller));
    };
  const read = (handler: (ctx: Context, admin: AdminOperations) => Promise<void>) =>
    as(false, handler);
  const write = (handler: (ctx: Context, admin: AdminOperations) => Promise<void>) =>
    as(true, async (ctx, admin) => {
      await jsonBody(ctx, parse);
      await handler(ctx, admin);
    });

  router.get('/openapi.json', (ctx) => {
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = document;
  });

  // Users
  router.get(
    '/users',
    read(async (ctx, admin) => {
      ctx.body = await admin.users.list({
        ...optional(ctx, 'search'),
        ...optional(ctx, 'group'),
        ...optional(ctx, 'cursor'),
        ...limit(ctx),
      });
    }),
  );
  router.post(
    '/users',
    write(async (ctx, admin) => {
      const user = await admin.users.create(checkBody('NewUser', ctx.request.body));
      created(ctx, `${root}/users/${encodeURIComponent(user.id)}`, user);
    }),
  );
  router.get(
    '/users/:id',
    read(async (ctx, admin) => {
      versioned(ctx, await admin.users.get(param(ctx, 'id')));
    }),
  );
  router.patch(
    '/users/:id',
    write(async (ctx, admin) => {
      const changes = checkBody<Parameters<AdminOperations['users']['update']>[1]>(
        'UserChanges',
        ctx.request.body,
      );
      versioned(ctx, await admin.users.update(param(ctx, 'id'), changes, ifMatch(ctx)));
    }),
  );
  router.delete(
    '/users/:id',
    write(async (ctx, admin) => {
      ctx.body = await admin.users.remove(param(ctx, 'id'));
    }),
  );
  router.put(
    '/users/:id/password',
    write(async (ctx, admin) => {
      const { password } = checkBody<{ password: string }>('Password', ctx.request.body);
      versioned(ctx, await admin.users.setPassword(param(ctx, 'id'), password));
    }),
  );
  router.post(
    '/users/:id/password-reset',
    write(async (ctx, admin) => {
      ctx.body = await admin.users.sendPasswordReset(param(ctx, 'id'));
    }),
  );
  router.post(
    '/users/:id/unlock',
    write(async (ctx, admin) => {
      const { address } = checkBody<{ address?: string }>('Unlock', ctx.request.body ?? {});
      ctx.body = await admin.users.unlock(param(ctx, 'id'), address);
    }),
  );
  router.get(
    '/users/:id/sessions',
    read(async (ctx, admin) => {
      ctx.body = await admin.users.sessions(param(ctx, 'id'));
    }),
  );
  router.delete(
    '/users/:id/sessions',
    write(async (ctx, admin) => {
      ctx.body = await admin.users.signOutEverywhere(param(ctx, 'id'));
    }),
  );
  router.delete(
    '/users/:id/sessions/:uid',
    write(async (ctx, admin) => {
      ctx.body = await admin.users.endSession(param(ctx, 'id'), param(ctx, 'uid'));
    }),
  );
  router.delete(
    '/users/:id/second-factors',
    write(async (ctx, admin) => {
      versioned(ctx, await admin.users.resetSecondFactors(param(ctx, 'id')));
    }),
  );
  router.get(
    '/users/:id/grants',
    read(async (ctx, admin) => {
      ctx.body = await admin.users.grants(param(ctx, 'id'));
    }),
  );
  router.delete(
    '/users/:id/grants/:grantId',
    write(async (ctx, admin) => {
      await admin.users.revokeGrant(param(ctx, 'id'), param(ctx, 'grantId'));
      ctx.status = 204;
    }),
  );

  // Clients
  router.get(
    '/clients',
    read(async (ctx, admin) => {
      ctx.body = await admin.clients.list({
        ...optional(ctx, 'search'),
        ...optional(ctx, 'cursor'),
        ...limit(ctx),
      });
    }),
  );
  router.post(
    '/clients',
    write(async (ctx, admin) => {
      const input = checkBody<Parameters<AdminOperations['clients']['create']>[0]>(
        'NewClient',
        ctx.request.body,
      );
      const client = await admin.clients.create(input);
      created(ctx, `${root}/clients/${encodeURIComponent(client.clientId)}`, client);
    }),
  );
  router.get(
    '/clients/:clientId',
    read(async (ctx, admin) => {
      versioned(ctx, await admin.clients.get(param(ctx, 'clientId')));
    }),
  );
  router.patch(
    '/clients/:clientId',
    write(async (ctx, admin) => {
      const changes = checkBody<Parameters<AdminOperations['clients']['update']>[1]>(
        'ClientChanges',
        ctx.request.body,
      );
      versioned(ctx, await admin.clients.update(param(ctx, 'clientId'), changes, ifMatch(ctx)));
    }),
  );
  router.delete(
    '/clients/:clientId',
    write(async (ctx, admin) => {
      await admin.clients.remove(param(ctx, 'clientId'));
      ctx.status = 204;
    }),
  );
  router.post(
    '/clients/:clientId/secret',
    write(async (ctx, admin) => {
      versioned(ctx, await admin.clients.rotateSecret(param(ctx, 'clientId')));
    }),
  );

  // APIs
  router.get(
    '/apis',
    read(async (ctx, admin) => {
      ctx.body = await admin.apis.list();
    }),
  );
  router.post(
    '/apis',
    write(async (ctx, admin) => {
      const input = checkBody<Parameters<AdminOperations['apis']['create']>[0]>(
        'NewApi',
        ctx.request.body,
      );
      const api = await admin.apis.create(input);
      created(ctx, `${root}/apis/${encodeURIComponent(api.audience)}`, api);
    }),
  );
  router.get(
    '/apis/:audience',
    read(async (ctx, admin) => {
      versioned(ctx, await admin.apis.get(param(ctx, 'audience')));
    }),
  );
  router.patch(
    '/apis/:audience',
    write(async (ctx, admin) => {
      const changes = checkBody<Parameters<AdminOperations['apis']['update']>[1]>(
        'ApiChanges',
        ctx.request.body,
      );
      versioned(ctx, await admin.apis.update(param(ctx, 'audience'), changes, ifMatch(ctx)));
    }),
  );
  router.delete(
    '/apis/:audience',
    write(async (ctx, admin) => {
      ctx.body = await admin.apis.remove(param(ctx, 'audience'));
    }),
  );

  // Keys and audit
  router.get(
    '/keys',
    read(async (ctx, admin) => {
      ctx.body = await admin.keys.list();
    }),
  );
  router.post(
    '/keys/rotation',
    write(async (ctx, admin) => {
      const { activateAfter } = checkBody<{ activateAfter?: number }>(
        'NewRotation',
        ctx.request.body ?? {},
      );
      ctx.body = await admin.keys.rotate(activateAfter);
      ctx.status = 201;
    }),
  );
  router.get(
    '/audit',
    read(async (ctx, admin) => {
      ctx.body = await admin.audit.list({
        ...optional(ctx, 'type'),
        ...optional(ctx, 'user'),
        ...renamed(optional(ctx, 'client'), 'client', 'clientId'),
        ...optional(ctx, 'ip'),
        ...instant(ctx, 'since'),
        ...instant(ctx, 'until'),
        ...optional(ctx, 'cursor'),
        ...limit(ctx),
      });
    }),
  );

  const routes = router.routes() as unknown as Middleware;
  const methods = router.allowedMethods({
    throw: true,
    methodNotAllowed: () => new Problem('method_not_allowed', 'this method is not allowed here'),
    notImplemented: () => new Problem('method_not_allowed', 'this method is not allowed here'),
  }) as unknown as Middleware;
  return async (ctx, next) => {
    if (ctx.path !== prefix && !ctx.path.startsWith(`${prefix}/`)) {
      await next();
      return;
    }
    try {
      await routes(ctx, async () => {
        await methods(ctx, async () => undefined);
      });
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new Problem('not_found', 'there is no such admin API resource');
      }
    } catch (error) {
      const problem = toProblem(error);
      if (problem.code === 'server_error') {
        deps.log.error('admin API request failed', { path: ctx.path, ...describeError(error) });
      }
      if (problem.code === 'method_not_allowed') {
        const layers = router.match(ctx.path, ctx.method).path;
        const allowed = new Set(layers.flatMap((layer) => layer.methods));
        if (allowed.size) problem.headers.Allow = [...allowed].join(', ');
      }
      sendProblem(ctx, problem);
    }
    if (!ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  };
}

// Parses a JSON body; a body of another type is refused (415), an empty one is undefined.
async function jsonBody(ctx: Context, parse: Middleware): Promise<void> {
  if (!ctx.request.length && !ctx.get('Transfer-Encoding')) {
    ctx.request.body = undefined;
    return;
  }
  if (!ctx.is('application/json')) {
    throw new Problem('unsupported_media_type', 'send the body as application/json');
  }
  try {
    await parse(ctx, async () => undefined);
  } catch (error) {
    const { status } = error as { status?: unknown };
    if (status === 413) throw new Problem('payload_too_large', 'the body is larger than 64 KiB');
    if (status === 415) throw new Problem('unsupported_media_type', 'send the body as JSON');
    throw new Problem('invalid_input', 'the body is not valid JSON');
  }
}

function param(ctx: Context, name: string): string {
  const value = (ctx.params as Record<string, string | undefined>)[name] ?? '';
  if (value.length > 2048) throw new Problem('not_found', `no such ${name}`);
  return value;
}

// A query parameter given once, as { name: value }; nothing when absent.
function optional(ctx: Context, name: string): Record<string, string> {
  const value = ctx.query[name];
  if (value === undefined) return {};
  if (typeof value !== 'string' || value.length > 2048) {
    throw new Problem('invalid_input', `${name} must be given once`, {
      errors: [{ pointer: name, message: 'must be given once' }],
    });
  }
  return { [name]: value };
}

function renamed(value: Record<string, string>, from: string, to: string): Record<string, string> {
  return from in value ? { [to]: value[from]! } : {};
}

function limit(ctx: Context): { limit?: number } {
  const { limit: text } = optional(ctx, 'limit');
  if (text === undefined) return {};
  if (!/^\d{1,6}$/.test(text)) {
    throw new Problem('invalid_input', 'limit must be a whole number', {
      errors: [{ pointer: 'limit', message: 'must be a whole number' }],
    });
  }
  return { limit: Number(text) };
}

function instant(ctx: Context, name: 'since' | 'until'): { since?: number; until?: number } {
  const { [name]: text } = optional(ctx, name);
  if (text === undefined) return {};
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new Problem('invalid_input', `${name} must be a date-time`, {
      errors: [{ pointer: name, message: 'must be a date-time (RFC 3339)' }],
    });
  }
  return { [name]: time };
}

// The version an If-Match header names: a change needs one (428), `*` matches any version, and a
// tag that is not a version matches none (412).
function ifMatch(ctx: Context): number | undefined {
  const header = ctx.get('If-Match').trim();
  if (!header) {
    throw new Problem(
      'precondition_required',
      'a change needs If-Match with the ETag of the version it is made against',
    );
  }
  if (header === '*') return undefined;
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(header);
  if (!match) throw new Problem('precondition_failed', 'If-Match names no version of this record');
  return Number(match[1]);
}

function versioned(ctx: Context, record: { version: number }): void {
  ctx.set('ETag', `"${record.version}"`);
  ctx.body = record;
}

function created(ctx: Context, location: string, record: { version: number }): void {
  versioned(ctx, record);
  ctx.status = 201;
  ctx.set('Location', location);
}
