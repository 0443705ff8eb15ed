// `npm start`: reads the configuration, opens the store and serves until SIGINT/SIGTERM.
import './threadpool.ts';
import { loadConfig } from './config.ts';
import { errorKind } from './error-kinds.ts';
import { createLogger, describeError } from './log.ts';
import { startServer } from './server.ts';
import { openStore } from './store.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const store = await openStore(config, log);
  const running = await startServer(config, store, log);
  log.info('SSO is listening', {
    issuer: config.issuer,
    listen: running.listenUrl,
    store: store.backend,
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    running.close(config.ops.shutdownTimeout * 1000).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', describeError(error));
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const known = errorKind(error);
  if (known.kind === 'config' || known.kind === 'unavailable') {
    process.stderr.write(`sso: ${known.message}\n`);
  } else {
    const { message } = error as { message?: string };
    process.stderr.write(`sso: failed to start: ${message ?? String(error)}\n`);
  }
  process.exit(1);
});
