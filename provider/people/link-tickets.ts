// The stored side of single-use links (links.ts): a Ticket per link, found by the token's hash,
// spent by the store's exactly-once consume, and then replaced by a mark under another id that
// keeps nothing but "used" (no account, no address, no password hash) until the link would have
// expired. The mark has its own id so that nothing can consume it: a link's ticket, once spent, is
// only ever consumed (false), removed, or missing.
import type { OidcPayload, Store } from '../../adapters/store.ts';
import type { DeadLink } from './link-state.ts';
import { newLink, readLink } from './links.ts';

/** A link's ticket that can still be used. */
export interface LiveTicket {
  state: 'live';
  ticketId: string;
  payload: OidcPayload;
  /** Epoch ms. */
  expiresAt: number;
}

/** Stores a new link of `kind` holding `payload` for `ttl` seconds; answers its token. */
export async function storeLink(
  store: Store,
  kind: string,
  payload: OidcPayload,
  ttl: number,
): Promise<{ token: string; ticketId: string; expiresAt: number }> {
  const link = newLink(kind, ttl);
  await store.oidc.upsert(
    'Ticket',
    link.ticketId,
    { ...payload, kind, expiresAt: link.expiresAt },
    ttl,
  );
  return link;
}

/** The live ticket of the link `token` of `kind`, or why it cannot be used. */
export async function findLink(
  store: Store,
  kind: string,
  token: unknown,
): Promise<LiveTicket | DeadLink> {
  const link = readLink(kind, token);
  if (!link) return { state: 'malformed' };
  const payload = await store.oidc.find('Ticket', link.ticketId);
  if (!payload || payload.kind !== kind) {
    if (await store.oidc.find('Ticket', usedMarkId(link.ticketId))) return { state: 'used' };
    return { state: link.expiresAt <= Date.now() ? 'expired' : 'unknown' };
  }
  if (payload.consumed !== undefined) return { state: 'used' };
  const expiresAt = typeof payload.expiresAt === 'number' ? payload.expiresAt : link.expiresAt;
  return { state: 'live', ticketId: link.ticketId, payload, expiresAt };
}

/**
 * Spends the link: true for exactly one caller, however many try at once. The winner's ticket is
 * then replaced by the bare mark that the link was used (what it held stays in `ticket`).
 */
export async function spendLink(store: Store, ticket: LiveTicket): Promise<boolean> {
  if (!(await store.oidc.consume('Ticket', ticket.ticketId))) return false;
  const left = Math.ceil((ticket.expiresAt - Date.now()) / 1000);
  if (left > 0) {
    const kind = String(ticket.payload.kind);
    await store.oidc.upsert('Ticket', usedMarkId(ticket.ticketId), { kind: `${kind}-used` }, left);
  }
  await store.oidc.destroy('Ticket', ticket.ticketId);
  return true;
}

// `reset:<hash>` → `reset-used:<hash>`.
function usedMarkId(ticketId: string): string {
  return ticketId.replace(/^([^:]+):/, '$1-used:');
}
