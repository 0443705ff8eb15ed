// Which address a request comes from, and under which key limits count it. The address is decided
// once per request, when it arrives (http/issuer-origin.ts): the socket's, or the one SSO's trusted
// proxy saw.
import { isIPv4, isIPv6 } from 'node:net';

/** The client's address: IPv4 (also when it arrived as IPv4-mapped IPv6) or IPv6, or `unknown`. */
export function clientAddress(ctx: { state: unknown; ip: string }): string {
  const decided = (ctx.state as { clientAddress?: unknown } | undefined)?.clientAddress;
  const ip = (typeof decided === 'string' ? decided : ctx.ip).replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  return isIPv4(ip) || isIPv6(ip) ? ip.toLowerCase() : 'unknown';
}

/**
 * The key an address is limited under: an IPv4 address itself, an IPv6 address by its /64 network
 * (what one subscriber gets; counting single IPv6 addresses would let anyone with a /64 make 2^64
 * fresh attempts).
 */
export function addressKey(address: string): string {
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

// The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros.
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (text: string) => (text ? text.split(':').flatMap(embeddedIPv4) : []);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16).toString(16));
}

// An IPv4 tail (`::1.2.3.4`) as two hex groups; other groups as they are.
function embeddedIPv4(group: string): string[] {
  if (!group.includes('.')) return [group];
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
