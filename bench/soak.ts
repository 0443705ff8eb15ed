/* eslint-disable no-console -- a soak run reports on the console */
// `npm run soak`: SSO under a steady mixed load for a bounded time, on loopback: people signing in
// (the code flow through the login page, argon2id included), refreshes, client-credentials tokens
// and introspection, started at a fixed rate whatever the answers' speed (an open loop, as real
// traffic is). It reports every error (the target is none), latency percentiles per operation, and
// the heap after full collections over time (the target: flat once warmed up). It exits 1 on any
// error. SOAK_SECONDS (300), SOAK_RATE (operations a second, 40) and MONGODB_URI tune it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { loadConfig } from '../provider/config.ts';
import { newMasterKeyText } from '../provider/keys/master-key.ts';
import { createLogger } from '../provider/log.ts';
import { startServer } from '../provider/server.ts';
import { openStore } from '../provider/store.ts';
import { codeFlow, discover, REDIRECT_URI } from '../test/support/flows.ts';
import { freePort } from '../test/support/free-port.ts';
import { UserAgent } from '../test/support/user-agent.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const RATE = Number(process.env.SOAK_RATE ?? 40);
const WARM_UP = 0.2; // the first fifth of the run is warm-up for the memory figure
const USERS = 20;

type Operation = 'sign-in' | 'refresh' | 'client credentials' | 'introspection';
// How often each operation is started, out of 100.
const MIX: [Operation, number][] = [
  ['sign-in', 10],
  ['refresh', 30],
  ['client credentials', 40],
  ['introspection', 20],
];

const gc = (globalThis as { gc?: () => void }).gc;
const settledHeap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

const dataDir = await mkdtemp(join(tmpdir(), 'sso-soak-'));
const port = await freePort();
const config = loadConfig({
  SSO_PORT: String(port),
  SSO_HOST: '127.0.0.1',
  SSO_ISSUER: `http://127.0.0.1:${port}`,
  SSO_DATA_DIR: dataDir,
  // Failures show up as failed operations; the service's own lines would drown the report.
  SSO_LOG_LEVEL: 'silent',
  ...(process.env.MONGODB_URI
    ? { MONGODB_URI: process.env.MONGODB_URI, SSO_MASTER_KEY: newMasterKeyText() }
    : {}),
  // Every request comes from 127.0.0.1 here; the limits count but never refuse.
  SSO_RATE_LIMIT_PER_ADDRESS: '100000000',
  SSO_RATE_LIMIT_PER_CLIENT: '100000000',
  SSO_AUTHORIZATIONS_PER_ADDRESS: '100000000',
});
const log = createLogger(config.logLevel);
const running = await startServer(config, await openStore(config, log), log);

try {
  const web = await running.clients.create({
    type: 'confidential',
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI],
    firstParty: true,
  });
  const worker = await running.clients.create({
    type: 'confidential',
    grantTypes: ['client_credentials'],
  });
  const people = await Promise.all(
    Array.from({ length: USERS }, (_, i) =>
      running.accounts
        .create({ username: `soak${i}` }, `soak password ${i}`)
        .then(() => ({ login: `soak${i}`, password: `soak password ${i}` })),
    ),
  );
  const webConfig = await discover(config.issuer, web.client.clientId, web.secret);
  const workerConfig = await discover(config.issuer, worker.client.clientId, worker.secret);
  // Refresh tokens in use, one per signed-in person; a refresh replaces its token.
  const refreshTokens: string[] = [];
  const accessTokens: string[] = [];

  const signIn = async () => {
    const person = people[Math.floor(Math.random() * people.length)]!;
    const agent = new UserAgent({ ssoOrigin: new URL(config.issuer).origin });
    const { tokens } = await codeFlow(webConfig, agent, person, {
      scope: 'openid offline_access',
      prompt: 'consent',
    });
    refreshTokens.push(tokens.refresh_token!);
    if (refreshTokens.length > 50) refreshTokens.shift();
  };
  const refresh = async () => {
    const token = refreshTokens.shift();
    if (!token) return signIn();
    const tokens = await oidc.refreshTokenGrant(webConfig, token);
    refreshTokens.push(tokens.refresh_token!);
  };
  const clientCredentials = async () => {
    const tokens = await oidc.clientCredentialsGrant(workerConfig);
    accessTokens.push(tokens.access_token);
    if (accessTokens.length > 50) accessTokens.shift();
  };
  const introspection = async () => {
    const token = accessTokens[Math.floor(Math.random() * accessTokens.length)];
    if (!token) return clientCredentials();
    const answer = await oidc.tokenIntrospection(workerConfig, token);
    if (answer.active !== true) throw new Error('a live token introspected as inactive');
  };
  const run: Record<Operation, () => Promise<void>> = {
    'sign-in': signIn,
    refresh,
    'client credentials': clientCredentials,
    introspection,
  };

  const latencies = new Map<Operation, number[]>(MIX.map(([name]) => [name, []]));
  const errors = new Map<string, number>();
  const pick = (): Operation => {
    let roll = Math.random() * 100;
    for (const [name, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return name;
    }
    return 'client credentials';
  };

  console.log(
    `soak: ${SECONDS}s at ${RATE} operations/s on the ${running.store.backend} store (${MIX.map(([n, w]) => `${w}% ${n}`).join(', ')})`,
  );
  const heap: { at: number; bytes: number }[] = [{ at: 0, bytes: settledHeap() }];
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let launched = 0;
  let nextSample = 10;
  while (performance.now() - started < SECONDS * 1000) {
    const elapsed = (performance.now() - started) / 1000;
    // Open loop: launch as many operations as the rate says by now, whether or not earlier ones
    // have answered.
    while (launched < elapsed * RATE) {
      launched++;
      const name = pick();
      const begin = performance.now();
      const operation = run[name]()
        .then(() => {
          latencies.get(name)!.push(performance.now() - begin);
        })
        .catch((error: unknown) => {
          const key = `${name}: ${(error as Error).message?.slice(0, 120) ?? String(error)}`;
          errors.set(key, (errors.get(key) ?? 0) + 1);
        })
        .finally(() => inFlight.delete(operation));
      inFlight.add(operation);
    }
    if (elapsed >= nextSample) {
      heap.push({ at: Math.round(elapsed), bytes: settledHeap() });
      nextSample += Math.max(10, SECONDS / 20);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  heap.push({ at: SECONDS, bytes: settledHeap() });

  const at = (values: number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  console.log(
    'operation'.padEnd(20),
    'done'.padStart(7),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
  );
  for (const [name, values] of latencies) {
    console.log(
      name.padEnd(20),
      String(values.length).padStart(7),
      at(values, 0.5).toFixed(1).padStart(8),
      at(values, 0.99).toFixed(1).padStart(8),
    );
  }
  const warmedUp = heap.find((sample) => sample.at >= SECONDS * WARM_UP) ?? heap[0]!;
  const last = heap.at(-1)!;
  console.log(
    `heap after a full GC (MiB): ${heap.map((sample) => `${sample.at}s ${mib(sample.bytes)}`).join(', ')}`,
  );
  console.log(
    `heap growth after warm-up (${warmedUp.at}s → ${last.at}s): ${mib(last.bytes - warmedUp.bytes)} MiB${gc ? '' : ' (run with --expose-gc for settled figures)'}`,
  );
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  console.log(`errors: ${errorCount}`);
  for (const [what, count] of errors) console.log(`  ${count} × ${what}`);
  process.exitCode = errorCount === 0 ? 0 : 1;
} finally {
  await running.close();
  await rm(dataDir, { recursive: true, force: true });
}
