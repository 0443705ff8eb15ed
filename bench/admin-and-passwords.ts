/* eslint-disable no-console -- a benchmark reports on the console */
// `npm run bench:admin`: throughput of SSO's hot endpoints over real HTTP on loopback, on the embedded
// store (and on MongoDB too when MONGODB_URI is set). Figures are printed as ratios to the cheapest
// endpoint measured in the same run, because the machines are shared and absolute numbers drift.
// Every loop is bounded in time; nothing leaves 127.0.0.1 (or the MONGODB_URI host).
import { MongoClient } from 'mongodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMongoStore } from '../adapters/mongodb/mongodb-store.ts';
import { openSqliteStore } from '../adapters/sqlite/sqlite-store.ts';
import type { Store } from '../adapters/store.ts';
import { loadConfig } from '../provider/config.ts';
import { newMasterKeyText } from '../provider/keys/master-key.ts';
import { createLogger } from '../provider/log.ts';
import { startServer } from '../provider/server.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const API = 'https://api.bench.test';

interface Result {
  name: string;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
}

// Runs `request` from CONCURRENCY loops for SECONDS; every answer must be `ok`.
async function measure(
  name: string,
  request: () => Promise<Response>,
  seconds = SECONDS,
): Promise<Result> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const response = await request();
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    name,
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
  };
}

// Heap in use after a full collection (bench runs with --expose-gc), so growth means retention.
function settledHeap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

async function bench(label: string, store: Store): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sso-bench-'));
  const config = loadConfig({
    SSO_PORT: '0',
    SSO_HOST: '127.0.0.1',
    SSO_DATA_DIR: dataDir,
    SSO_LOG_LEVEL: 'error',
    SSO_MASTER_KEY: newMasterKeyText(),
    // The request limits count every request, as in production, but are set too high to refuse any.
    SSO_RATE_LIMIT_PER_ADDRESS: '100000000',
    SSO_RATE_LIMIT_PER_CLIENT: '100000000',
  });
  const running = await startServer(config, store, createLogger(config.logLevel));
  // The issuer is only used in token claims here; requests go to the listener.
  const base = running.listenUrl;
  try {
    await running.apis.create({ audience: API, scopes: ['read'] });
    const { client, secret } = await running.clients.create({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [API],
    });
    const basic = `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}`;
    const form = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
    const { client: plain, secret: plainSecret } = await running.clients.create({
      type: 'confidential',
      grantTypes: ['client_credentials'],
    });
    const plainForm = {
      authorization: `Basic ${Buffer.from(`${plain.clientId}:${plainSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const token = (
      (await (
        await fetch(`${base}/token`, {
          method: 'POST',
          headers: plainForm,
          body: 'grant_type=client_credentials',
        })
      ).json()) as { access_token: string }
    ).access_token;
    await running.accounts.create({ username: 'bench' }, 'bench password 1');
    // 10,000 people (straight into the store) and a machine client of the admin API, to list them.
    const now = Date.now();
    for (let start = 0; start < 10_000; start += 250) {
      await Promise.all(
        Array.from({ length: 250 }, (_, i) => {
          const username = `user-${String(start + i).padStart(5, '0')}`;
          return store.accounts.create({
            id: `bench-${start + i}`,
            username,
            email: `${username}@example.com`,
            emailVerified: true,
            groups: [],
            disabled: false,
            createdAt: now,
            updatedAt: now,
            version: 1,
          });
        }),
      );
    }
    const adminApi = `${config.issuer}/admin/api`;
    const { client: automation, secret: automationSecret } = await running.clients.create({
      type: 'confidential',
      grantTypes: ['client_credentials'],
      allowedApis: [adminApi],
    });
    const adminToken = (
      (await (
        await fetch(`${base}/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${automation.clientId}:${automationSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: `grant_type=client_credentials&scope=admin:read&resource=${encodeURIComponent(adminApi)}`,
        })
      ).json()) as { access_token: string }
    ).access_token;
    const admin = { authorization: `Bearer ${adminToken}` };
    const deep = Buffer.from('user-09000').toString('base64url');

    const heapBefore = settledHeap();
    const results = [
      await measure('discovery (no store access)', () =>
        fetch(`${base}/.well-known/openid-configuration`),
      ),
      await measure('JWKS', () => fetch(`${base}/jwks`)),
      await measure('client_credentials → JWT for an API', () =>
        fetch(`${base}/token`, {
          method: 'POST',
          headers: form,
          body: `grant_type=client_credentials&scope=read&resource=${encodeURIComponent(API)}`,
        }),
      ),
      await measure('client_credentials → opaque token', () =>
        fetch(`${base}/token`, {
          method: 'POST',
          headers: plainForm,
          body: 'grant_type=client_credentials',
        }),
      ),
      await measure('introspection of an opaque token', () =>
        fetch(`${base}/token/introspection`, {
          method: 'POST',
          headers: plainForm,
          body: `token=${token}`,
        }),
      ),
      await measure('admin API: users, first page (10,000)', () =>
        fetch(`${base}/admin/api/users?limit=50`, { headers: admin }),
      ),
      await measure('admin API: users, page 180 of 200', () =>
        fetch(`${base}/admin/api/users?limit=50&cursor=${deep}`, { headers: admin }),
      ),
      await measure('admin API: users, prefix search', () =>
        fetch(`${base}/admin/api/users?limit=50&search=user-05`, { headers: admin }),
      ),
    ];
    // Sign-in must not tell unknown users from wrong passwords by its timing: compare the medians.
    const median = async (login: string, password: string) => {
      const times: number[] = [];
      const until = performance.now() + SECONDS * 1000;
      while (performance.now() < until) {
        const started = performance.now();
        await running.accounts.authenticate(login, password);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      return { ms: times[Math.floor(times.length / 2)]!, count: times.length };
    };
    const right = await median('bench', 'bench password 1');
    const wrong = await median('bench', 'not the password');
    const unknown = await median('nobody', 'not the password');
    const heapAfter = settledHeap();
    const rss = process.memoryUsage().rss;

    const baseline = results[0]!.perSecond;
    console.log(
      `\n${label}  (${CONCURRENCY} concurrent requests, ${SECONDS}s each; request limits counting)`,
    );
    console.log(
      'endpoint'.padEnd(40),
      'req/s'.padStart(8),
      'vs discovery'.padStart(13),
      'p50 ms'.padStart(8),
      'p99 ms'.padStart(8),
    );
    for (const result of results) {
      console.log(
        result.name.padEnd(40),
        result.perSecond.toFixed(0).padStart(8),
        `${(result.perSecond / baseline).toFixed(2)}×`.padStart(13),
        result.p50.toFixed(1).padStart(8),
        result.p99.toFixed(1).padStart(8),
      );
    }
    console.log(
      `password check (argon2id ${config.argon2.memoryKib} KiB, t=${config.argon2.iterations}), median of ${right.count}/${wrong.count}/${unknown.count}: ` +
        `right ${right.ms.toFixed(1)} ms, wrong ${wrong.ms.toFixed(1)} ms, unknown user ${unknown.ms.toFixed(1)} ms ` +
        `(unknown ÷ wrong = ${(unknown.ms / wrong.ms).toFixed(2)})`,
    );
    console.log(
      `heap after a full GC: ${mib(heapBefore)} MiB before, ${mib(heapAfter)} MiB after (resident: ${mib(rss)} MiB)`,
    );
  } finally {
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'sso-bench-store-'));
const sqlite = openSqliteStore(dataDir);
await sqlite.migrate();
await bench('embedded store (node:sqlite)', sqlite);
await rm(dataDir, { recursive: true, force: true });

if (process.env.MONGODB_URI) {
  const dbName = `sso_bench_${Date.now()}`;
  const mongo = await openMongoStore(process.env.MONGODB_URI, {
    dbName,
    log: { warn: () => undefined },
  });
  await mongo.migrate();
  await bench(`MongoDB (${mongo.target})`, mongo);
  const client = await new MongoClient(process.env.MONGODB_URI).connect();
  await client.db(dbName).dropDatabase();
  await client.close();
} else {
  console.log('\n(set MONGODB_URI to measure the MongoDB store too)');
}
