// The discovery document is the same for every request to one provider (its URLs derive from the
// configured issuer, see http/issuer-origin.ts), yet the engine builds it anew each time: dozens of
// URL computations and a JSON serialisation per request. Here the first answer of each provider
// instance is kept as its JSON text and given to the requests that follow, with the headers the
// engine sets on it (CORS for any origin, Vary: Origin). A provider rebuilt after a key change is
// another instance, so its first answer is taken again. Preflight (OPTIONS) requests and anything
// other than a 200 go to the engine as before.
import type { Context } from 'koa';

/** Serves a provider's discovery document from memory once that provider answered it. */
export function discoveryCache(basePath: string) {
  const path = `${basePath}/.well-known/openid-configuration`;
  let kept: { owner: object; text: string } | undefined;
  const applies = (ctx: Context) =>
    ctx.path === path && (ctx.method === 'GET' || ctx.method === 'HEAD');
  return {
    /** Answers `ctx` from memory when the document of `owner` is kept; false when it is not. */
    answer(ctx: Context, owner: object): boolean {
      if (!kept || kept.owner !== owner || !applies(ctx)) return false;
      ctx.vary('Origin');
      ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
      ctx.type = 'application/json';
      ctx.body = kept.text;
      (ctx.state as { route?: string }).route = 'oidc:discovery';
      return true;
    },
    /** Keeps the engine's answer to `ctx` as the document of `owner`, when it is one. */
    keep(ctx: Context, owner: object): void {
      if (!applies(ctx) || ctx.status !== 200) return;
      const body: unknown = ctx.body;
      if (typeof body !== 'object' || body === null || Buffer.isBuffer(body)) return;
      kept = { owner, text: JSON.stringify(body) };
    },
  };
}
