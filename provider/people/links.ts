// Single-use links sent by mail (password reset, registration). The token is 32 random bytes after
// the link's expiry time (base 36 seconds): `<expiry>.<random>`. Only a hash of the whole token is
// stored, as the id of a Ticket that lives as long as the link, so a copy of the store opens
// nothing and an altered expiry names no record. The expiry in the token is read only to tell a
// person whose link is no longer stored whether it expired or was never valid.
import { createHash, randomBytes } from 'node:crypto';

/** A new link's token and where it is stored. */
export interface NewLink {
  token: string;
  ticketId: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** What a token says of itself. */
export interface ReadLink {
  ticketId: string;
  /** Epoch ms, as the token claims it. */
  expiresAt: number;
}

const TOKEN = /^([0-9a-z]{1,10})\.([\w-]{43})$/;

/** A new token of `kind` valid for `ttl` seconds from `now`. */
export function newLink(kind: string, ttl: number, now = Date.now()): NewLink {
  const expiresAt = now + ttl * 1000;
  const expiry = Math.ceil(expiresAt / 1000).toString(36);
  const token = `${expiry}.${randomBytes(32).toString('base64url')}`;
  return { token, ticketId: ticketId(kind, token), expiresAt };
}

/** The ticket of a token of `kind`, or undefined when `token` is not shaped like one. */
export function readLink(kind: string, token: unknown): ReadLink | undefined {
  if (typeof token !== 'string') return undefined;
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  return { ticketId: ticketId(kind, token), expiresAt: parseInt(match[1]!, 36) * 1000 };
}

function ticketId(kind: string, token: string): string {
  return `${kind}:${createHash('sha256').update(token).digest('base64url')}`;
}
