// Concurrent use of one refresh token within the grace window (SSO_REFRESH_TOKEN_GRACE). The engine
// rotates on every use: without more, N concurrent requests presenting token X would each get a new
// token, N chains of one grant. Instead the first successor stored for X is the one every
// concurrent request gets: the adapter records X → successor with one conditional insert while the
// engine saves the new token (it knows X from the request's context, Provider.ctx); a request that
// loses that race deletes the token it made and the engine middleware below hands out the winner's
// instead. One chain survives, whichever request finishes first.
import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';

// Successors to hand out instead of the one the engine made, by request.
const replacements = new WeakMap<object, string>();

// How long the X → successor link is kept beyond the grace window, seconds.
const LINK_MARGIN = 60;

/** The refresh token the engine is rotating in this request, if it is rotating one. */
export function rotatedRefreshToken(ctx: KoaContextWithOIDC | undefined): string | undefined {
  return ctx?.oidc?.entities.RotatedRefreshToken?.jti;
}

/**
 * After the engine stored `successor` as the rotation of `rotated`: makes it the rotation of record
 * unless another request's successor already is, in which case `successor` is deleted and the
 * response will carry the other one.
 */
export async function settleRotation(
  store: Store,
  ctx: KoaContextWithOIDC,
  rotated: string,
  successor: string,
  grace: number,
): Promise<void> {
  const link = `rotated:${rotated}`;
  if (
    await store.oidc.insertIfAbsent('ReplayDetection', link, { successor }, grace + LINK_MARGIN)
  ) {
    return;
  }
  const first = (await store.oidc.find('ReplayDetection', link))?.successor;
  if (typeof first !== 'string' || first === successor) return;
  await store.oidc.destroy('RefreshToken', successor);
  replacements.set(ctx, first);
}

/** Engine middleware: a token response carries the successor of record (see settleRotation). */
export const handOutSettledRotation: Middleware = async (ctx, next) => {
  await next();
  const successor = replacements.get(ctx);
  if (successor && ctx.body && typeof ctx.body === 'object') {
    ctx.body = { ...(ctx.body as Record<string, unknown>), refresh_token: successor };
  }
};
