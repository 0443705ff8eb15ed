// A real MongoDB-compatible server for tests, never a mock. Resolved once per jest run (by
// jest-global-setup.ts) in this order: MONGODB_URI if set; else `mongod` on PATH, started on a free
// port with a temporary dbpath; else FerretDB 1.24 (SQLite handler) from `$(go env GOPATH)/bin`.
// The URI reaches the test workers in SSO_TEST_MONGODB_URI ('' when there is none: MongoDB suites
// then skip, or fail when SSO_REQUIRE_MONGODB=1). Each test gets a database of its own.
//
// Installing FerretDB: test/tools/install-ferretdb.sh (which `npm test` runs when needed) builds
// it from the module source: a plain `go install ...@v1.24.2` gives a binary that panics at start-up
// ("Invalid build/version/version.txt file content"; FerretDB's own build generates that file).
//
// This module is loaded both by jest's globalSetup (outside the test environment) and by test files,
// so it must not import @jest/globals at runtime.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, openSync, closeSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { describe as JestDescribe } from '@jest/globals';
import { MongoClient } from 'mongodb';
import {
  openMongoStore,
  type MongoStore,
  type MongoStoreOptions,
} from '../../adapters/mongodb/mongodb-store.ts';
import { inspectMongoUri, redact } from '../../adapters/mongodb/uri.ts';
import { freePort } from './free-port.ts';

/** The variable through which globalSetup hands the server's URI to test workers. */
export const MONGODB_TEST_URI_ENV = 'SSO_TEST_MONGODB_URI';

/** Set to 1 (as CI does) to fail instead of skipping when no server is available. */
export const REQUIRE_MONGODB_ENV = 'SSO_REQUIRE_MONGODB';

/** The FerretDB release the tests are known to pass on. */
export const FERRETDB_VERSION = 'v1.24.2';

/** How to get a server, for messages. */
export const MONGODB_HOW_TO =
  'set MONGODB_URI, put mongod on PATH, or install FerretDB ' +
  `${FERRETDB_VERSION} (how: test/tools/install-ferretdb.sh)`;

/** The one line printed when MongoDB suites are skipped. */
export const MONGODB_SKIP_MESSAGE = `MongoDB suites skipped: ${MONGODB_HOW_TO}`;

/** A server the tests may use, and how to stop it (a no-op for one given by MONGODB_URI). */
export interface MongoTestServer {
  readonly uri: string;
  /** What it is, for one log line (never includes credentials). */
  readonly description: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
const execFileAsync = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Resolving and starting a server (globalSetup side)
// ---------------------------------------------------------------------------------------------

/**
 * Finds or starts a server in the documented order; undefined when none is available. A server that
 * was found but does not work (unreachable MONGODB_URI, a binary that fails to start) is an error.
 */
export async function startMongoTestServer(
  env: NodeJS.ProcessEnv = process.env,
): Promise<MongoTestServer | undefined> {
  if (env[MONGODB_SERVER_ENV] === 'mongo-java-server') return startMongoJavaServer();
  if (env.MONGODB_URI) return useGivenServer(env.MONGODB_URI);
  const mongod = await findExecutable('mongod', searchPath(env));
  if (mongod) return startProcess('mongod', mongod, mongodArgs);
  const ferretdb = await findFerretDb(env);
  if (ferretdb) {
    const version = await ferretDbVersion(ferretdb);
    return startProcess(`FerretDB ${version} (SQLite)`, ferretdb, ferretDbArgs);
  }
  return undefined;
}

async function useGivenServer(uri: string): Promise<MongoTestServer> {
  const answered = await answers(uri, 5000);
  if (answered !== true) {
    const info = inspectMongoUri(uri);
    throw new Error(
      `MONGODB_URI is set but no MongoDB server answers at ${info.target}: ${redact(answered, info)}`,
    );
  }
  return { uri, description: 'the server at MONGODB_URI', stop: async () => undefined };
}

/** Names the server of a run: `mongo-java-server` for npm test's second pass (see package.json). */
export const MONGODB_SERVER_ENV = 'SSO_TEST_MONGODB_SERVER';

const MONGO_JAVA_SERVER = fileURLToPath(new URL('../tools/mongo-java-server/', import.meta.url));

// mongo-java-server (test/tools/mongo-java-server), with the classpath prepare.sh fetched.
async function startMongoJavaServer(): Promise<MongoTestServer> {
  const classpath = await readFile(join(MONGO_JAVA_SERVER, 'classpath.txt'), 'utf8').catch(
    () => '',
  );
  if (!classpath.trim()) {
    throw new Error(
      'mongo-java-server is not prepared: run test/tools/prepare.sh (it needs Java 17 and Maven)',
    );
  }
  const source = join(MONGO_JAVA_SERVER, 'MongoJavaServer.java');
  return startProcess('mongo-java-server 1.47 (in memory)', 'java', (port) => [
    ...['-cp', classpath.trim(), source, String(port)],
  ]);
}

type ArgsFor = (port: number, dataDir: string) => string[];

const mongodArgs: ArgsFor = (port, dataDir) => [
  '--dbpath',
  dataDir,
  '--port',
  String(port),
  '--bind_ip',
  '127.0.0.1',
];

const ferretDbArgs: ArgsFor = (port, dataDir) => [
  '--handler=sqlite',
  `--sqlite-url=file:${dataDir}/`,
  `--listen-addr=127.0.0.1:${port}`,
  '--telemetry=disable',
  '--state-dir=-',
  '--debug-addr=-',
  '--log-level=warn',
];

// Starts `bin` on a free port with a temporary data directory and waits until it answers. The
// port is only reserved until the server binds it, so a lost race is retried on another port.
async function startProcess(name: string, bin: string, argsFor: ArgsFor): Promise<MongoTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'sso-mongodb-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const logPath = join(dir, `server-${attempt}.log`);
    const child = spawnLogged(bin, argsFor(port, dataDir), logPath);
    const uri = `mongodb://127.0.0.1:${port}/`;
    try {
      await waitUntilAnswering(uri, child, logPath);
      return { uri, description: `${name} at ${uri}`, stop: () => stopProcess(child, dir) };
    } catch (error) {
      lastError = error;
      await stopProcess(child);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`${name} (${bin}) did not start`, { cause: lastError });
}

function spawnLogged(bin: string, args: string[], logPath: string): ChildProcess {
  const log = openSync(logPath, 'a');
  try {
    const child = spawn(bin, args, { stdio: ['ignore', log, log] });
    // If jest dies without running globalTeardown, the server must not outlive it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    return child;
  } finally {
    closeSync(log);
  }
}

async function waitUntilAnswering(uri: string, child: ChildProcess, logPath: string) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  let last: string | true = 'not tried';
  while (Date.now() < deadline) {
    if (exited || child.exitCode !== null) {
      throw new Error(`exited (code ${child.exitCode}): ${await tail(logPath)}`);
    }
    last = await answers(uri, 500);
    if (last === true) return;
    await sleep(100);
  }
  throw new Error(`no answer within ${START_TIMEOUT_MS} ms (${last}): ${await tail(logPath)}`);
}

// True when a server at `uri` answers a ping, else the reason it did not.
async function answers(uri: string, timeoutMs: number): Promise<true | string> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
  });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch (error) {
    return (error as { message?: string }).message ?? String(error);
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function stopProcess(child: ChildProcess, dir?: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const stopped = await Promise.race([
      exited.then(() => true),
      sleep(5000, false, { ref: false }), // must not keep jest alive once the server has exited
    ]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}

async function tail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-10).join('\n') || '(no output)';
}

function searchPath(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(delimiter).filter(Boolean);
}

async function findExecutable(name: string, dirs: string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const path = join(dir, name);
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return undefined;
}

// FerretDB in `$(go env GOPATH)/bin` (GOPATH may list several directories), else on PATH.
async function findFerretDb(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const gopath = await execFileAsync('go', ['env', 'GOPATH'], { env }).then(
    ({ stdout }) => stdout.trim(),
    () => env.GOPATH || join(homedir(), 'go'),
  );
  const binDirs = gopath
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'bin'));
  return findExecutable('ferretdb', [...binDirs, ...searchPath(env)]);
}

// The binary's version. A FerretDB built by a plain `go install` panics at start-up (its version
// file is generated by FerretDB's own build); that is reported with the way to build it.
async function ferretDbVersion(bin: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(bin, ['--version']);
    return /^version: (\S+)/m.exec(stdout)?.[1] ?? 'unknown version';
  } catch (error) {
    throw new Error(
      `${bin} does not run. A FerretDB built by a plain \`go install\` panics for want of ` +
        'build/version/version.txt; build it with test/tools/install-ferretdb.sh.',
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers for test files
// ---------------------------------------------------------------------------------------------

/** The URI of this run's MongoDB test server, or undefined when MongoDB suites are skipped. */
export function mongoTestUri(): string | undefined {
  const fromSetup = process.env[MONGODB_TEST_URI_ENV];
  if (fromSetup !== undefined) return fromSetup === '' ? undefined : fromSetup;
  // globalSetup did not run (jest.config.js without it): only an explicitly given server.
  return process.env.MONGODB_URI || undefined;
}

/** Whether CI demands the MongoDB suites (SSO_REQUIRE_MONGODB=1). */
export function mongoRequired(): boolean {
  return process.env[REQUIRE_MONGODB_ENV] === '1';
}

/** Throws the error CI sees when the MongoDB suites are required and no server is available. */
export function failMongoRequired(): never {
  throw new Error(`${REQUIRE_MONGODB_ENV}=1 but no MongoDB server is available: ${MONGODB_HOW_TO}`);
}

/** A log that keeps the store's warnings out of test output. */
const QUIET_LOG = { warn: () => undefined };

/**
 * A fresh, empty, migrated MongoDB store in a database of its own (random name), and how to dispose
 * of it: close the store and drop the database. `options` are passed on (dbName is always ours).
 */
export async function freshMongoStore(
  options: MongoStoreOptions = {},
): Promise<{ store: MongoStore; dbName: string; dispose: () => Promise<void> }> {
  const uri = mongoTestUri();
  if (!uri) return failMongoRequired();
  const dbName = `sso_test_${randomBytes(6).toString('hex')}`;
  const store = await openMongoStore(uri, { log: QUIET_LOG, ...options, dbName });
  const dispose = async () => {
    await store.close();
    await dropMongoDatabase(uri, dbName);
  };
  try {
    await store.migrate();
  } catch (error) {
    await dispose();
    throw error;
  }
  return { store, dbName, dispose };
}

/** Drops database `dbName` on the server at `uri`. */
export async function dropMongoDatabase(uri: string, dbName: string): Promise<void> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    const db = client.db(dbName);
    await db.dropDatabase().catch(async () => {
      // mongo-java-server refuses to drop a database (or collection) after one of its indexes was
      // dropped: drop what it lets go; the rest goes with its in-memory server at the end of the run.
      const collections = await db.listCollections({}, { nameOnly: true }).toArray();
      for (const { name } of collections) await db.dropCollection(name).catch(() => undefined);
    });
  } finally {
    await client.close();
  }
}

/**
 * A raw driver client on the test server for tests that inspect or tamper with documents, closed
 * by `close()`.
 */
export async function mongoTestClient(): Promise<MongoClient> {
  const uri = mongoTestUri();
  if (!uri) return failMongoRequired();
  return new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect();
}

/**
 * `describe(name, fn)` when a MongoDB test server is available, `describe.skip` otherwise; when
 * SSO_REQUIRE_MONGODB=1 and there is none, the test file fails instead.
 */
export function describeIfMongo(name: string, fn: () => void): void {
  // jest injects `describe` as a global into test files; importing @jest/globals here would break
  // globalSetup, which loads this module outside the test environment.
  const describe = (globalThis as unknown as { describe: typeof JestDescribe }).describe;
  if (mongoTestUri()) describe(name, fn);
  else if (mongoRequired()) failMongoRequired();
  else describe.skip(name, fn);
}
