// Starts a real SSO for a test: real HTTP on a free port, a real store (a fresh embedded SQLite file,
// or MongoDB when asked), real keys. Helpers register users, clients and APIs through the same
// services the CLI uses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../adapters/store.ts';
import { freePort } from './free-port.ts';
import { describe } from '@jest/globals';
import {
  failMongoRequired,
  freshMongoStore,
  mongoRequired,
  mongoTestUri,
} from './mongodb-server.ts';
import type { AccountInput } from '../../provider/accounts/accounts.ts';
import type { ApiInput } from '../../provider/apis/apis.ts';
import type { ClientInput } from '../../provider/clients/clients.ts';
import { loadConfig, type Config } from '../../provider/config.ts';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { createLogger } from '../../provider/log.ts';
import { startServer, type RunningServer } from '../../provider/server.ts';
import { openStore } from '../../provider/store.ts';

export interface TestSsoOptions {
  /** Path prefix of the issuer (e.g. `/auth`). */
  basePath?: string;
  /** Public origin of the issuer; default `http://127.0.0.1:<port>`. */
  publicOrigin?: string;
  /** The issuer's host name with the server's own port (`localhost` for WebAuthn, which needs a name). */
  host?: string;
  /** Extra environment (SSO_* variables) for the configuration. */
  env?: Record<string, string>;
  /** Which store: a fresh embedded file (default) or a fresh database on the test MongoDB. */
  backend?: Backend;
  /** An open, migrated store to use instead (closed by stop(); anything else is the caller's). */
  store?: Store;
  /** Another instance on the same store (and master key) as `sharing`, as a second server. */
  sharing?: TestSso;
  /** Receives the server's log lines (at info and above) instead of stdout. */
  log?: (line: string) => void;
  /** The clock of SSO's own time rules (the refresh grace window), to move time in a test. */
  clock?: () => number;
}

export interface TestSso extends RunningServer {
  issuer: string;
  config: Readonly<Config>;
  /** Creates a user with a password. */
  user(
    input: Partial<AccountInput> & { username: string },
    password?: string,
  ): Promise<{ id: string; username: string; password: string }>;
  /** Registers a client; answers its id and secret. */
  client(input: ClientInput): Promise<{ clientId: string; secret: string | undefined }>;
  /** Registers an API. */
  api(input: ApiInput): Promise<void>;
  /**
   * The environment that points another process (the CLI, a second instance) at this instance's
   * store: SSO_DATA_DIR, or MONGODB_URI naming this test's database.
   */
  storeEnv: Record<string, string>;
  /** Opens another connection to this instance's store (for a second instance); caller closes. */
  openSharedStore(): Promise<Store>;
  stop(): Promise<void>;
}

export { freePort };

export type Backend = 'sqlite' | 'mongodb';

const ALL_BACKENDS: readonly Backend[] = ['sqlite', 'mongodb'];

/**
 * `describe.each` over `cases` of both stores. Without a MongoDB server the MongoDB cases are still
 * declared, as skipped, so the run counts them and its summary says what did not run and why
 * (with SSO_REQUIRE_MONGODB=1 the file fails instead).
 */
export function describeForBackends<T extends { backend: Backend }>(
  cases: readonly T[],
  title: string,
  fn: (testCase: T) => void,
): void {
  // npm test's second pass runs the MongoDB cases on another server; the first ran the rest.
  const embedded =
    process.env.SSO_TEST_ONLY_MONGODB === '1'
      ? []
      : cases.filter((testCase) => testCase.backend === 'sqlite');
  const mongo = cases.filter((testCase) => testCase.backend === 'mongodb');
  if (embedded.length) describe.each(embedded)(title, fn);
  if (!mongo.length) return;
  if (mongoTestUri()) describe.each(mongo)(title, fn);
  else if (mongoRequired()) failMongoRequired();
  else describe.skip.each(mongo)(title, fn);
}

/** `describe.each` over the two stores, `%s` in `title` naming the store (see describeForBackends). */
export function describeEachBackend(title: string, fn: (backend: Backend) => void): void {
  describeForBackends(
    ALL_BACKENDS.map((backend) => ({ backend })),
    title.replace('%s', '$backend'),
    ({ backend }) => fn(backend),
  );
}

/** Starts SSO as a test needs it. */
export async function startTestSso(options: TestSsoOptions = {}): Promise<TestSso> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'sso-test-'));
  const origin = options.publicOrigin ?? `http://${options.host ?? '127.0.0.1'}:${port}`;
  const env: Record<string, string> = {
    SSO_PORT: String(port),
    SSO_HOST: '127.0.0.1',
    SSO_ISSUER: `${origin}${options.basePath ?? ''}`,
    SSO_DATA_DIR: dataDir,
    SSO_LOG_LEVEL: process.env.SSO_TEST_LOG_LEVEL ?? 'silent',
    // MongoDB needs a master key every instance shares; the embedded store keeps one in its dir.
    ...(options.backend === 'mongodb' ? { SSO_MASTER_KEY: newMasterKeyText() } : {}),
    ...options.sharing?.storeEnv,
    ...options.env,
  };
  const config = loadConfig(env);
  const log = options.log ? createLogger('info', options.log) : createLogger(config.logLevel);
  let store: Store;
  let dropDatabase = async () => {};
  let storeEnv: Record<string, string> = { SSO_DATA_DIR: dataDir };
  if (options.sharing) {
    store = await options.sharing.openSharedStore();
    storeEnv = options.sharing.storeEnv;
  } else if (options.store) {
    store = options.store;
  } else if (options.backend === 'mongodb') {
    const mongo = await freshMongoStore();
    store = mongo.store;
    dropDatabase = mongo.dispose;
    const uri = new URL(mongoTestUri()!);
    uri.pathname = `/${mongo.dbName}`;
    storeEnv = { MONGODB_URI: uri.href, SSO_MASTER_KEY: env.SSO_MASTER_KEY! };
  } else {
    store = await openStore(config, log);
  }
  const running = await startServer(
    config,
    store,
    log,
    options.clock ? { clock: options.clock } : {},
  );
  return {
    ...running,
    issuer: config.issuer,
    config,
    async user(input, password = 'correct horse battery staple') {
      const account = await running.accounts.create(input, password);
      return { id: account.id, username: account.username, password };
    },
    async client(input) {
      const { client, secret } = await running.clients.create(input);
      return { clientId: client.clientId, secret };
    },
    async api(input) {
      await running.apis.create(input);
    },
    storeEnv,
    openSharedStore: () => openStore(loadConfig({ ...env, ...storeEnv }), log),
    async stop() {
      await running.close();
      await dropDatabase();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
