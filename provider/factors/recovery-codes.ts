// Recovery codes: ten random codes of 80 bits each, shown once, kept as salted SHA-256 hashes (a
// code has too much entropy to be guessed offline, so a fast hash is enough). Typed with or without
// the dashes, in any case.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RecoveryCodes } from '../../adapters/store.ts';

/** How many codes a set has. */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/** A new set: the codes to show (once) and what to store. */
export function newRecoveryCodes(now: number): { codes: string[]; stored: RecoveryCodes } {
  const salt = randomBytes(16).toString('base64url');
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(16);
    const chars = [...bytes].map((byte) => ALPHABET[byte % ALPHABET.length]!).join('');
    return chars.match(/.{4}/g)!.join('-');
  });
  return { codes, stored: { salt, hashes: codes.map((code) => hash(salt, code)), createdAt: now } };
}

/** The index of `code` in `stored`, or -1. */
export function recoveryCodeIndex(stored: RecoveryCodes, code: string): number {
  const candidate = Buffer.from(hash(stored.salt, code), 'hex');
  return stored.hashes.findIndex((known) => {
    const bytes = Buffer.from(known, 'hex');
    return bytes.length === candidate.length && timingSafeEqual(bytes, candidate);
  });
}

function hash(salt: string, code: string): string {
  const normalized = code.toLowerCase().replace(/[^a-z0-9]/g, '');
  return createHash('sha256').update(`${salt}:${normalized}`).digest('hex');
}
