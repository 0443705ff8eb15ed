// SSO as separate processes (`node provider/main.ts`), as operators run it: several instances on one
// store, which a test can stop, or kill with SIGKILL in the middle of work.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { freePort } from './free-port.ts';
import { dropMongoDatabase, mongoTestUri } from './mongodb-server.ts';
import type { Backend } from './sso.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The environment of a fresh store for the SSO and CLI processes of one test: a data directory,
 * and on MongoDB a database of its own with a master key. Its removal is pushed onto `cleanups`.
 */
export async function freshStoreEnv(
  backend: Backend,
  name: string,
  cleanups: (() => Promise<void>)[],
): Promise<Record<string, string>> {
  const dataDir = await mkdtemp(join(tmpdir(), `sso-${name}-`));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  if (backend === 'sqlite') return { SSO_DATA_DIR: dataDir };
  const dbName = `sso_test_${name}_${randomBytes(4).toString('hex')}`;
  cleanups.push(() => dropMongoDatabase(mongoTestUri()!, dbName));
  return {
    SSO_DATA_DIR: dataDir,
    MONGODB_URI: `${mongoTestUri()!.replace(/\/?$/, '/')}${dbName}`,
    SSO_MASTER_KEY: newMasterKeyText(),
  };
}

/** A running SSO process. */
export interface Instance {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything it wrote, for failure messages. */
  readonly output: string[];
  /** Ends it with `signal` (SIGTERM by default) and waits until it has. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `provider/main.ts` with `env` on a free loopback port and waits until /readyz is ok; with
 * `issuerIsUrl`, its issuer is the URL it listens on (for relying parties talking to it directly).
 */
export async function startInstance(
  env: Record<string, string>,
  options: { issuerIsUrl?: boolean } = {},
): Promise<Instance> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['provider/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      SSO_PORT: String(port),
      SSO_HOST: '127.0.0.1',
      SSO_LOG_LEVEL: 'warn',
      ...(options.issuerIsUrl ? { SSO_ISSUER: `http://127.0.0.1:${port}` } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const instance: Instance = {
    url,
    process: child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return instance;
    await sleep(100);
  }
  await instance.stop('SIGKILL');
  throw new Error(`SSO at ${url} did not become ready:\n${output.join('')}`);
}

/**
 * A load balancer in front of `instances`, as a `fetch`: each request goes to the next instance
 * that is up; one that refuses or drops the connection is taken out and the request goes to the
 * next (as a balancer with health checks and retries does).
 */
export function balancer(
  instances: readonly Instance[],
  issuer: string,
): { fetch: typeof fetch; failovers: () => number } {
  const down = new Set<string>();
  let next = 0;
  let failovers = 0;
  const send = (async (input: string | URL | Request, init?: RequestInit) => {
    const target = new URL(input instanceof Request ? input.url : input);
    for (let tries = 0; tries < instances.length * 2; tries++) {
      const up = instances.filter((instance) => !down.has(instance.url));
      if (up.length === 0) break;
      const instance = up[next++ % up.length]!;
      const routed = new URL(target.pathname + target.search, instance.url);
      try {
        return await fetch(routed, init);
      } catch {
        down.add(instance.url);
        failovers++;
      }
    }
    throw new Error(`no SSO instance answers for ${issuer}`);
  }) as typeof fetch;
  return { fetch: send, failovers: () => failovers };
}
