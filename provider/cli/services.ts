// The CLI's way to the store: the same configuration (environment variables) and composition root as
// the server, opened only when a command first needs it and closed when it ends. Logs go to stderr,
// so stdout stays clean for --json; they default to warnings only unless SSO_LOG_LEVEL says more.
import { loadConfig } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Services } from '../services.ts';

/** How long a command waits for another process's lock on the embedded store, in ms. */
const CLI_LOCK_WAIT_MS = 10_000;

/** Services opened on demand. */
export interface LazyServices {
  /**
   * The services, opened on the first call (read-only when `readOnly`: nothing created or written);
   * rejects with ConfigError, StoreUnavailableError, …
   */
  get(readOnly?: boolean): Promise<Services>;
  /** The logger, once the configuration has been read. */
  readonly log: Logger | undefined;
  /** Closes whatever was opened. */
  close(): Promise<void>;
}

/** Services over the store that `env` configures, not opened yet. */
export function lazyServices(env: Readonly<Record<string, string | undefined>>): LazyServices {
  let opening: Promise<Services> | undefined;
  let log: Logger | undefined;
  const open = async (readOnly: boolean) => {
    const config = loadConfig({ SSO_LOG_LEVEL: 'warn', ...env });
    log = createLogger(config.logLevel, (line) => process.stderr.write(line), {
      auditByLevel: true,
    });
    // Loaded here, not at the top: help and usage errors should not wait for the protocol engine.
    const [{ openStore }, { startServices }] = await Promise.all([
      import('../store.ts'),
      import('../services.ts'),
    ]);
    // A command may wait for the server's short writes; it keeps nobody else waiting.
    const store = await openStore(config, log, { lockWaitMs: CLI_LOCK_WAIT_MS, readOnly });
    try {
      return await startServices(config, store, log, { readOnly });
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
  };
  return {
    get: (readOnly = false) => (opening ??= open(readOnly)),
    get log() {
      return log;
    },
    async close() {
      const services = await opening?.catch(() => undefined);
      await services?.close();
    },
  };
}
