// Test plumbing for the client package: servers on 127.0.0.1 with a random port, and a fetch that
// records every request the package makes (to count token and JWKS requests).
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpFetch } from '../../../client-sdk/node/src/index.ts';

export interface Listening {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Installs the request handler (the app is often built after its URL is known). */
  handle(listener: RequestListener): void;
  close(): Promise<void>;
}

/** A server listening on a random port of 127.0.0.1; give it a handler with `handle`. */
export async function listen(): Promise<Listening> {
  let listener: RequestListener = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    handle(next) {
      listener = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RecordedRequest {
  url: string;
  method: string;
  body: URLSearchParams | undefined;
}

/** A fetch that records each request; `count` filters them. */
export function recordingFetch(): {
  fetch: HttpFetch;
  requests: RecordedRequest[];
  count(predicate: (request: RecordedRequest) => boolean): number;
} {
  const requests: RecordedRequest[] = [];
  return {
    requests,
    fetch: (url, init) => {
      const body =
        init.body instanceof URLSearchParams
          ? new URLSearchParams(init.body)
          : typeof init.body === 'string'
            ? new URLSearchParams(init.body)
            : undefined;
      requests.push({ url, method: init.method ?? 'GET', body });
      return fetch(url, init);
    },
    count: (predicate) => requests.filter(predicate).length,
  };
}

/** A predicate: a token request with this grant type. */
export const tokenRequest =
  (grantType: string) =>
  (request: RecordedRequest): boolean =>
    new URL(request.url).pathname.endsWith('/token') &&
    request.body?.get('grant_type') === grantType;

/** A predicate: a request for the issuer's JWKS. */
export const jwksRequest = (request: RecordedRequest): boolean =>
  new URL(request.url).pathname.endsWith('/jwks');
