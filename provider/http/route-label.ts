// What a request is about, without anything from its path or query that identifies a person, a
// token or a record: the name of the protocol endpoint, or the template of SSO's own route.
import type { Context } from 'koa';

/**
 * The route of a handled request: `oidc:<name>` for oidc-provider's endpoints (`oidc:token`,
 * `oidc:authorization`, `oidc:discovery`, …), the template of the matched route of SSO's own pages
 * and APIs without the issuer's path (`/interaction/:uid`, `/admin/api/users/:id`), `/assets/*`,
 * or `unmatched`. The set of values is bounded, so it can label metrics.
 */
export function routeLabel(ctx: Context, basePath: string): string {
  // Set by what answers for the engine (the discovery document kept in memory).
  const stated = (ctx.state as { route?: unknown } | undefined)?.route;
  if (typeof stated === 'string') return stated;
  const oidcRoute = (ctx as { oidc?: { route?: unknown } }).oidc?.route;
  if (typeof oidcRoute === 'string') return `oidc:${oidcRoute}`;
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') {
    return basePath && matched.startsWith(basePath)
      ? matched.slice(basePath.length) || '/'
      : matched;
  }
  if (ctx.path.startsWith(`${basePath}/assets/`)) return '/assets/*';
  return 'unmatched';
}
