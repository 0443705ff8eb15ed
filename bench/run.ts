/* eslint-disable no-console -- a benchmark reports on the console */
// `npm run bench`: SSO's hot paths beside its engine's own ceiling, measured in one run.
//
// Targets (bench/targets/), each its own process pinned to core 0 with taskset: SSO on the embedded
// store, SSO on MongoDB (MONGODB_URI, or a server the tests would use: mongod or FerretDB), bare
// oidc-provider with its in-memory adapter and SSO's settings, and argon2id verifications alone at
// SSO's parameters. This process generates the load from core 1 (it re-runs itself under taskset),
// over 32 keep-alive connections; each measurement follows a warm-up, targets take turns within each
// of several rounds, and the table gives medians. It also measures the raw driver operations the
// MongoDB paths are compared with (insertOne, findOne by _id) against the same server, and p99
// latency in an open loop at 70 % of SSO's peak. Prints the table and writes it as JSON and Markdown
// (bench/results/, or --out DIR).
//
// BENCH_SECONDS (5), BENCH_WARMUP_SECONDS (1), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32),
// BENCH_SCENARIOS (ABCDE: which to measure), BENCH_MONGODB (off: embedded store only); --smoke runs
// every step briefly once (the CI check that the harness works; its figures mean nothing).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { freePort } from '../test/support/free-port.ts';
import { startMongoTestServer, type MongoTestServer } from '../test/support/mongodb-server.ts';
import type { TargetReady } from './targets/fixture.ts';
import {
  discoveryCall,
  introspectionCall,
  jwtCall as jwtRequest,
  opaqueCall as opaqueRequest,
  signInFlow,
} from './calls.ts';
import { closedLoop, Connections, type Call, type Measured } from './load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? args[outIndex + 1]! : join(here, 'results');
const numberEnv = (name: string, fallback: number) =>
  process.env[name] ? Number(process.env[name]) : fallback;
const SECONDS = smoke ? 0.3 : numberEnv('BENCH_SECONDS', 5);
const WARMUP = smoke ? 0.1 : numberEnv('BENCH_WARMUP_SECONDS', 1);
const ROUNDS = smoke ? 1 : numberEnv('BENCH_ROUNDS', 3);
const CONNECTIONS = numberEnv('BENCH_CONNECTIONS', 32);
// BENCH_SCENARIOS (e.g. "AE") measures only those scenarios; the table then shows only their rows.
const ONLY = (process.env.BENCH_SCENARIOS ?? 'ABCDE').toUpperCase();
// BENCH_MONGODB=off leaves out SSO on MongoDB and the raw driver operations.
const WITH_MONGODB = process.env.BENCH_MONGODB !== 'off';
const OPEN_LOOP_SHARE = 0.7;

// Pinning: the load on core 1, the targets on core 0 (when there are two cores and taskset).
const canPin = cpus().length >= 2 && spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
if (canPin && process.env.BENCH_LOAD_PINNED !== '1') {
  const again = spawnSync(
    'taskset',
    ['-c', '1', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...args],
    { stdio: 'inherit', env: { ...process.env, BENCH_LOAD_PINNED: '1' } },
  );
  process.exit(again.status ?? 1);
}

type TargetName = 'sso' | 'sso-mongodb' | 'bare' | 'argon2';
interface Target {
  name: TargetName;
  process: ChildProcess;
  ready: TargetReady;
  connections: Connections;
}

async function startTarget(name: TargetName, env: Record<string, string> = {}): Promise<Target> {
  const file = { sso: 'sso.ts', 'sso-mongodb': 'sso.ts', bare: 'bare.ts', argon2: 'argon2.ts' }[
    name
  ];
  const port = await freePort();
  const command = [process.execPath, join(here, 'targets', file)];
  const child = spawn(
    canPin ? 'taskset' : command[0]!,
    canPin ? ['-c', '0', ...command] : [command[1]!],
    {
      env: { ...process.env, ...env, BENCH_PORT: String(port), BENCH_LOAD_PINNED: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const ready = await new Promise<TargetReady>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as TargetReady;
        if (parsed.ready) resolve(parsed);
      } catch {
        // Not the ready line.
      }
    });
    child.once('exit', (code) => reject(new Error(`bench target ${name} exited (${code})`)));
  });
  return { name, process: child, ready, connections: new Connections(ready.url, CONNECTIONS) };
}

// The largest resident set the target had (VmHWM), in MiB.
async function peakRss(target: Target): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${target.process.pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const jwtCall = (t: Target): Call => jwtRequest(t.ready);
const opaqueCall = (t: Target): Call => opaqueRequest(t.ready);

// Checks that a target answers each scenario the way the scenario means (a JWT for the API, an
// opaque token, an active introspection) and returns the introspection request.
async function probe(t: Target): Promise<Call> {
  const token = async (call: Call) => {
    const { status, body } = await t.connections.send(call);
    if (status !== 200) throw new Error(`${t.name}: token ${status} ${body}`);
    return (JSON.parse(body) as { access_token: string }).access_token;
  };
  const jwt = await token(jwtCall(t));
  if (jwt.split('.').length !== 3) throw new Error(`${t.name}: not a JWT for the API: ${jwt}`);
  const opaque = await token(opaqueCall(t));
  if (opaque.includes('.')) throw new Error(`${t.name}: not an opaque token: ${opaque}`);
  const introspection = introspectionCall(t.ready, opaque);
  const answer = await t.connections.send(introspection);
  if (!(JSON.parse(answer.body) as { active?: boolean }).active) {
    throw new Error(`${t.name}: introspection not active: ${answer.body}`);
  }
  return introspection;
}

// The sign-in of scenario D (calls.ts), or, on the argon2 target, one verification.
async function signInOrVerify(t: Target): Promise<() => Promise<void>> {
  if (t.name === 'argon2') {
    const call: Call = { method: 'POST', path: '/', body: '' };
    return async () => {
      const { status } = await t.connections.send(call);
      if (status !== 200) throw new Error(`argon2: HTTP ${status}`);
    };
  }
  return signInFlow(t.ready);
}

interface Scenario {
  key: 'A' | 'B' | 'C' | 'D' | 'E';
  title: string;
  targets: TargetName[];
  measure: (t: Target, seconds: number) => Promise<Measured>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

// ---------------------------------------------------------------------------------------------

const started = new Date();
let mongoServer: MongoTestServer | undefined;
let mongoUri = WITH_MONGODB ? process.env.MONGODB_URI : undefined;
if (!mongoUri && WITH_MONGODB) {
  mongoServer = await startMongoTestServer({ ...process.env, MONGODB_URI: '' });
  mongoUri = mongoServer?.uri;
}
const dbName = `sso_bench_${Date.now()}`;
let mongoTargetUri: string | undefined;
if (mongoUri) {
  const url = new URL(mongoUri);
  url.pathname = `/${dbName}`;
  mongoTargetUri = url.href;
}

const targets = new Map<TargetName, Target>();
const results = new Map<string, Measured[]>();
const record = (key: string, measured: Measured) => {
  if (measured.errors > 0) {
    throw new Error(`${key}: ${measured.errors} wrong answers, the first: ${measured.firstError}`);
  }
  results.set(key, [...(results.get(key) ?? []), measured]);
};
let mongoDescription = 'none';
let mongo: MongoClient | undefined;
try {
  targets.set('sso', await startTarget('sso'));
  targets.set('bare', await startTarget('bare'));
  if (ONLY.includes('D')) targets.set('argon2', await startTarget('argon2'));
  if (mongoTargetUri) {
    targets.set('sso-mongodb', await startTarget('sso-mongodb', { MONGODB_URI: mongoTargetUri }));
    mongo = await new MongoClient(mongoTargetUri, { maxPoolSize: CONNECTIONS }).connect();
    const info = await mongo.db(dbName).command({ buildInfo: 1 });
    const ferret = (info as { ferretdbVersion?: string }).ferretdbVersion;
    mongoDescription = ferret ? `FerretDB ${ferret}` : `MongoDB ${String(info.version)}`;
  }
  const introspections = new Map<TargetName, Call>();
  const flows = new Map<TargetName, () => Promise<void>>();
  for (const t of targets.values()) {
    if (t.name !== 'argon2') introspections.set(t.name, await probe(t));
    if (t.name === 'sso' || t.name === 'argon2') flows.set(t.name, await signInOrVerify(t));
  }
  const withStore: TargetName[] = ['sso', 'bare', ...(mongo ? ['sso-mongodb' as const] : [])];
  const allScenarios: Scenario[] = [
    {
      key: 'A',
      title: 'client credentials → JWT for an API',
      targets: withStore,
      measure: (t, s) => t.connections.closed(jwtCall(t), s),
    },
    {
      key: 'B',
      title: 'client credentials → opaque token',
      targets: withStore,
      measure: (t, s) => t.connections.closed(opaqueCall(t), s),
    },
    {
      key: 'C',
      title: 'introspection of an opaque token',
      targets: withStore,
      measure: (t, s) => t.connections.closed(introspections.get(t.name)!, s),
    },
    {
      key: 'D',
      title: 'full code-flow sign-in (argon2id)',
      targets: ['sso', 'argon2'],
      measure: (t, s) => closedLoop(flows.get(t.name)!, s, CONNECTIONS),
    },
    {
      key: 'E',
      title: 'discovery (no store)',
      targets: withStore,
      measure: (t, s) => t.connections.closed(discoveryCall, s),
    },
  ];
  const scenarios = allScenarios.filter((s) => ONLY.includes(s.key));

  // The raw driver operations on the same server, at the same concurrency.
  const collection = mongo?.db(dbName).collection<{ _id: string; payload: string }>('raw_bench');
  const payload = randomBytes(300).toString('base64');
  const ids: string[] = [];
  if (collection) {
    for (let i = 0; i < 2000; i += 500) {
      const batch = Array.from({ length: 500 }, (_, j) => ({ _id: `seed-${i + j}`, payload }));
      await collection.insertMany(batch);
      ids.push(...batch.map((d) => d._id));
    }
  }
  const raw = (op: 'insertOne' | 'findOne', seconds: number): Promise<Measured> =>
    closedLoop(
      async () => {
        if (op === 'insertOne') {
          await collection!.insertOne({ _id: randomBytes(16).toString('hex'), payload });
        } else {
          const id = ids[Math.floor(Math.random() * ids.length)]!;
          if (!(await collection!.findOne({ _id: id }))) throw new Error(`no ${id}`);
        }
      },
      seconds,
      CONNECTIONS,
    );

  for (let round = 0; round < ROUNDS; round++) {
    for (const scenario of scenarios) {
      // Targets take turns, in another order each round.
      const order = scenario.targets.map((_, i, all) => all[(i + round) % all.length]!);
      for (const name of order) {
        const t = targets.get(name)!;
        await scenario.measure(t, WARMUP);
        const measured = await scenario.measure(t, SECONDS);
        record(`${scenario.key}:${name}`, measured);
        console.error(
          `round ${round + 1}/${ROUNDS} ${scenario.key} ${name}: ${measured.perSecond.toFixed(0)}/s`,
        );
      }
    }
    if (collection && /[BC]/.test(ONLY)) {
      for (const op of ['insertOne', 'findOne'] as const) {
        await raw(op, WARMUP);
        record(`raw:${op}`, await raw(op, SECONDS));
      }
    }
  }

  // p99 in an open loop at 70 % of the peak just measured, for SSO on the embedded store and bare.
  const openLoop = new Map<string, Measured>();
  for (const scenario of scenarios.filter((s) => 'ABC'.includes(s.key))) {
    for (const name of ['sso', 'bare'] as const) {
      const t = targets.get(name)!;
      const peak = median(results.get(`${scenario.key}:${name}`)!.map((m) => m.perSecond));
      const call =
        scenario.key === 'A'
          ? jwtCall(t)
          : scenario.key === 'B'
            ? opaqueCall(t)
            : introspections.get(name)!;
      const measured = await t.connections.open(call, peak * OPEN_LOOP_SHARE, SECONDS);
      if (measured.errors > 0)
        throw new Error(`open loop ${scenario.key} ${name}: ${measured.firstError}`);
      openLoop.set(`${scenario.key}:${name}`, measured);
    }
  }

  const rss: Partial<Record<TargetName, number>> = {};
  for (const t of targets.values()) rss[t.name] = await peakRss(t);

  // ---- the report ----
  const rate = (key: string) => {
    const runs = results.get(key);
    return runs ? median(runs.map((m) => m.perSecond)) : undefined;
  };
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
  const rows = scenarios.map((scenario) => {
    const sso = rate(`${scenario.key}:sso`);
    const ceiling = rate(`${scenario.key}:${scenario.key === 'D' ? 'argon2' : 'bare'}`);
    const onMongo = rate(`${scenario.key}:sso-mongodb`);
    const rawOp = scenario.key === 'B' ? 'insertOne' : scenario.key === 'C' ? 'findOne' : undefined;
    const rawRate = rawOp ? rate(`raw:${rawOp}`) : undefined;
    return {
      scenario: `${scenario.key} ${scenario.title}`,
      ssoPerSecond: sso,
      ceilingPerSecond: ceiling,
      ceiling: scenario.key === 'D' ? 'argon2id alone' : 'bare oidc-provider',
      ssoOverCeiling: ratio(sso, ceiling),
      ssoP99AtSeventyPercentMs: openLoop.get(`${scenario.key}:sso`)?.p99Ms,
      bareP99AtSeventyPercentMs: openLoop.get(`${scenario.key}:bare`)?.p99Ms,
      mongoPerSecond: onMongo,
      mongoOverEmbedded: ratio(onMongo, sso),
      rawDriverOperation: rawOp,
      rawDriverPerSecond: rawRate,
      mongoOverRawDriver: ratio(onMongo, rawRate),
    };
  });
  const report = {
    date: started.toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      pinned: canPin ? 'targets on core 0, load on core 1 (taskset)' : 'not pinned',
      mongodb: mongoDescription,
    },
    settings: {
      seconds: SECONDS,
      warmupSeconds: WARMUP,
      rounds: ROUNDS,
      connections: CONNECTIONS,
      smoke,
    },
    rows,
    peakRssMiB: rss,
    runs: Object.fromEntries(results),
    openLoop: Object.fromEntries(openLoop),
  };

  const n = (value?: number) =>
    value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const r = (value?: number) => (value === undefined ? '—' : value.toFixed(2));
  const ms = (value?: number) => (value === undefined ? '—' : `${value.toFixed(1)} ms`);
  const markdown = [
    `| scenario | SSO embedded | ceiling | SSO ÷ ceiling | SSO p99 at 70 % | SSO on ${mongoDescription} | MongoDB ÷ embedded | MongoDB ÷ raw driver op |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.scenario} | ${n(row.ssoPerSecond)}/s | ${n(row.ceilingPerSecond)}/s (${row.ceiling}) | ${r(row.ssoOverCeiling)} | ${ms(row.ssoP99AtSeventyPercentMs)} | ${n(row.mongoPerSecond)}${row.mongoPerSecond === undefined ? '' : '/s'} | ${r(row.mongoOverEmbedded)} | ${row.rawDriverOperation ? `${r(row.mongoOverRawDriver)} (${row.rawDriverOperation} ${n(row.rawDriverPerSecond)}/s)` : '—'} |`,
    ),
    '',
    `Peak RSS (VmHWM): SSO embedded ${n(rss.sso)} MiB, bare oidc-provider ${n(rss.bare)} MiB (${r(ratio(rss.sso, rss.bare))}×)` +
      (rss['sso-mongodb'] ? `, SSO on MongoDB ${n(rss['sso-mongodb'])} MiB` : '') +
      '.',
    '',
    `${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}; ${report.machine.pinned}; ` +
      `${CONNECTIONS} keep-alive connections, medians of ${ROUNDS} interleaved round(s) of ${SECONDS} s after ${WARMUP} s of warm-up; ${started.toISOString()}.`,
  ].join('\n');
  console.log(`\n${markdown}\n`);
  await mkdir(outDir, { recursive: true });
  const stem = smoke ? 'smoke' : `bench-${started.toISOString().slice(0, 19).replace(/:/g, '')}`;
  await writeFile(join(outDir, `${stem}.json`), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, `${stem}.md`), `${markdown}\n`);
  console.log(`written: ${join(outDir, `${stem}.json`)} and .md`);
} finally {
  for (const t of targets.values()) {
    await t.connections.close();
    t.process.kill('SIGTERM');
  }
  if (mongo) {
    await mongo
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await mongo.close();
  }
  await mongoServer?.stop();
}
