// An HTTP proxy in front of a server that records every request (method, path, If-Match and
// Authorization) and can act before it forwards one: another writer's change made just before the
// CLI's own, at the moment a test chooses.
import { createServer, request } from 'node:http';

/** A request as the proxy saw it. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  ifMatch?: string;
  authorization?: string;
}

export interface RecordingProxy {
  /** Every request so far, in order. */
  readonly seen: SeenRequest[];
  /** When set, awaited before a request is forwarded. */
  before: ((seen: SeenRequest) => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (chosen first, so that an issuer can name it) and forwards to `target`. */
export async function startRecordingProxy(port: number, target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const proxy: RecordingProxy = {
    seen: [],
    before: undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const seen: SeenRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    if (req.headers['if-match'] !== undefined) seen.ifMatch = req.headers['if-match'];
    if (req.headers.authorization !== undefined) seen.authorization = req.headers.authorization;
    proxy.seen.push(seen);
    req.pause();
    void (proxy.before?.(seen) ?? Promise.resolve()).then(
      () => {
        const forwarded = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forwarded.on('error', () => res.destroy());
        req.pipe(forwarded);
        req.resume();
      },
      () => res.writeHead(500).end(),
    );
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return proxy;
}
