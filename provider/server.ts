// The running service: services + HTTP server + the periodic sweep of expired records.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../adapters/store.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { describeError, type Logger } from './log.ts';
import { startServices, type Services } from './services.ts';

export interface RunningServer extends Services {
  server: Server;
  /** Where the server listens, e.g. `http://127.0.0.1:41234` (not the issuer). */
  listenUrl: string;
}

/** Starts the services and the HTTP server on config.host:config.port (port 0 picks one). */
export async function startServer(
  config: Readonly<Config>,
  store: Store,
  log: Logger,
): Promise<RunningServer> {
  if (new URL(config.issuer).protocol === 'https:' && !config.trustProxy) {
    log.warn(
      'SSO_ISSUER is https but SSO_TRUST_PROXY is off: behind a TLS-terminating proxy every request seems to come from the proxy, so sign-in limits and the audit log see one address; set SSO_TRUST_PROXY=true there',
      { issuer: config.issuer },
    );
  }
  const services = await startServices(config, store, log);
  const app = createApp(services);
  const handle = app.callback();
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;

  const sweep = setInterval(() => {
    store
      .sweepExpired()
      .then((removed) => removed && log.debug('expired records removed', { removed }))
      .catch((error: unknown) => log.warn('sweep of expired records failed', describeError(error)));
  }, config.sweepInterval * 1000);
  sweep.unref();

  return {
    ...services,
    server,
    listenUrl: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    async close() {
      clearInterval(sweep);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await services.close();
    },
  };
}
