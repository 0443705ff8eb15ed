// The request id of every request: the caller's X-Request-Id when it is a plain token (what load
// balancers and tracing proxies send), else a new UUID; echoed in the response's X-Request-Id.
import { randomUUID } from 'node:crypto';

// Letters, digits and the punctuation of common id formats (UUIDs, ALB's Root=1-…, base64): nothing
// that could split a log line or smuggle markup into it.
const ACCEPTED = /^[\w.:@+/=-]{1,128}$/;

/** The request id to use for a request whose X-Request-Id header is `header`. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTED.test(header) ? header : randomUUID();
}
