// Outgoing requests the engine makes (back-channel logout, a client's jwks_uri). oidc-provider
// sends them through a dispatcher that refuses connections to special-use addresses (loopback,
// private networks, link-local, …), so a registered URL cannot be used to reach internal services
// (SSRF). Back-channel logout receivers often are internal: the hosts an operator lists in
// SSO_OUTGOING_ALLOWED_HOSTS may be reached at any address, as Hydra's private_ip_exception_urls
// allow; every other URL keeps the engine's protection.
import type { Configuration } from 'oidc-provider';

/** `host` or `host:port`, lower-case, as an allow-list entry compares it. */
export function normalizeHostEntry(entry: string): string {
  const url = new URL(`http://${entry.trim()}`);
  if (url.pathname !== '/' || url.search || url.username || url.hash) {
    throw new TypeError(`"${entry}" is not a host or host:port`);
  }
  return url.host;
}

/**
 * oidc-provider's `fetch`: requests to an allowed host go out without the engine's special-use
 * address check; all others keep it. An entry without a port allows every port of the host.
 */
export function outgoingFetch(
  allowedHosts: readonly string[],
): NonNullable<Configuration['fetch']> {
  const allowed = new Set(allowedHosts);
  return (url, options) => {
    const target = new URL(url instanceof Request ? url.url : url);
    if (allowed.has(target.host) || allowed.has(target.hostname)) {
      const { dispatcher: _specialUseCheck, ...rest } = options as RequestInit & {
        dispatcher?: unknown;
      };
      return fetch(url, rest);
    }
    return fetch(url, options);
  };
}
