// The running service: services + HTTP server + the periodic sweep of expired records.
import { createServer, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Store } from '../adapters/store.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { describeError, type Logger } from './log.ts';
import { startServices, type Services, type StartOptions } from './services.ts';
import type { FirstRunOutcome } from './administration/first-run.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { metricsServer } from './observability/metrics-endpoint.ts';

export interface RunningServer extends Omit<Services, 'close'> {
  /**
   * Stops: readiness fails, the listener closes (no new connections), requests in flight are given
   * `graceMs` to finish (answered with `Connection: close`) before their connections are closed,
   * then the services and the store close. With no grace (tests), connections close at once.
   */
  close(graceMs?: number): Promise<void>;
  server: Server;
  /** Where the server listens, e.g. `http://127.0.0.1:41234` (not the issuer). */
  listenUrl: string;
  /** What this start did about the first administrator (a setup link while there is none). */
  firstAdministrator: FirstRunOutcome;
  /** The metrics, when served (SSO_METRICS_PORT or SSO_METRICS_TOKEN). */
  metrics: Metrics | undefined;
  /** Where the metrics port answers (`http://127.0.0.1:9464/metrics`), when SSO_METRICS_PORT is set. */
  metricsUrl: string | undefined;
}

// Requests Node's HTTP parser refuses before any middleware sees them (a request line or headers
// too large, malformed syntax): answered in OAuth's shape instead of with an empty body.
function answerClientError(
  error: Error & { code?: string; rawPacket?: Buffer },
  socket: Duplex,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = JSON.stringify({
    error: 'invalid_request',
    error_description: tooLarge ? 'the request line or headers are too large' : 'malformed request',
  });
  // A HEAD request's answer has the headers of the body it would have, and no body.
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${head ? '' : body}`,
  );
}

/** Starts the services and the HTTP server on config.host:config.port (port 0 picks one). */
export async function startServer(
  config: Readonly<Config>,
  store: Store,
  log: Logger,
  options: Pick<StartOptions, 'clock'> = {},
): Promise<RunningServer> {
  if (new URL(config.issuer).protocol === 'https:' && !config.trustProxy) {
    log.warn(
      'SSO_ISSUER is https but SSO_TRUST_PROXY is off: behind a TLS-terminating proxy every request seems to come from the proxy, so sign-in limits and the audit log see one address; set SSO_TRUST_PROXY=true there',
      { issuer: config.issuer },
    );
  }
  const { metricsPort, metricsToken } = config.ops;
  const metrics = metricsPort !== undefined || metricsToken ? createMetrics() : undefined;
  const services = await startServices(config, store, log, {
    ...options,
    systemRecords: true,
    ...(metrics ? { metrics } : {}),
  });
  // The server's own address, for the admin console's calls to its own token endpoint.
  let listenUrl = '';
  const lifecycle = { draining: false };
  const app = createApp({ ...services, metrics, lifecycle, selfUrl: () => listenUrl });
  const handle = app.callback();
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 15_000 }, (req, res) => {
    void handle(req, res);
  });
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  listenUrl = urlOf(server, config.host);
  let scrape: Server | undefined;
  let metricsUrl: string | undefined;
  if (metrics && metricsPort !== undefined) {
    const metricsAt = metricsServer(metrics);
    try {
      await new Promise<void>((resolve, reject) => {
        metricsAt.once('error', reject);
        metricsAt.listen(metricsPort, config.ops.metricsHost, () => resolve());
      });
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
      throw error;
    }
    scrape = metricsAt;
    metricsUrl = `${urlOf(metricsAt, config.ops.metricsHost)}/metrics`;
    log.info('metrics are served', { url: metricsUrl });
  }

  let firstAdministrator: FirstRunOutcome;
  try {
    firstAdministrator = await services.firstRun.atStart();
  } catch (error) {
    scrape?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.close();
    throw error;
  }
  if (firstAdministrator.kind === 'setup-link') {
    // The one place a secret is logged: single use, short-lived, and only while nobody can sign
    // in to the console (see README, First administrator).
    log.warn('no administrator yet: open this one-time link to create the first one', {
      setupUrl: firstAdministrator.url,
      expires: new Date(firstAdministrator.expiresAt).toISOString(),
    });
  } else if (firstAdministrator.kind === 'bootstrapped') {
    log.info('first administrator created from SSO_BOOTSTRAP_ADMIN', {
      username: firstAdministrator.username,
    });
  }

  if (!services.mailer.configured) {
    // One line: what is off for want of mail (README, Password reset and registration).
    if (config.people.selfRegistration) {
      log.warn(
        'no mail server (SSO_SMTP_URL): password reset by email and self-registration (SSO_SELF_REGISTRATION) are off',
      );
    } else {
      log.info('no mail server (SSO_SMTP_URL): password reset by email is off');
    }
  }

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
    listenUrl,
    firstAdministrator,
    metrics,
    metricsUrl,
    async close(graceMs = 0) {
      lifecycle.draining = true;
      clearInterval(sweep);
      scrape?.close();
      scrape?.closeAllConnections();
      await new Promise<void>((resolve) => {
        if (graceMs <= 0) {
          server.close(() => resolve());
          server.closeAllConnections();
          return;
        }
        // Only the listener closes: http.Server#close would also close every connection without a
        // request in progress, including one just accepted whose request is still on its way.
        // Idle keep-alive connections end at their keep-alive timeout, or after their next
        // answer (which says Connection: close).
        NetServer.prototype.close.call(server, () => resolve());
        const deadline = setTimeout(() => {
          log.warn('shutdown: requests still in flight after SSO_SHUTDOWN_TIMEOUT; closing them');
          server.closeAllConnections();
        }, graceMs);
        deadline.unref();
        server.once('close', () => clearTimeout(deadline));
      });
      await services.close();
      if (graceMs > 0) log.info('stopped: requests in flight finished, store closed');
    },
  };
}

// `http://host:port` of a listening server (loopback for a wildcard address).
function urlOf(server: Server, configured: string): string {
  const { port } = server.address() as AddressInfo;
  const host = configured === '0.0.0.0' || configured === '::' ? '127.0.0.1' : configured;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
