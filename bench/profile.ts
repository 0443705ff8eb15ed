/* eslint-disable no-console -- a profiling tool reports on the console */
// `npm run bench:profile -- <A|B|C|D|E> [seconds] [sso|bare|sso-mongodb]`: one scenario of
// `npm run bench` against one target started under --cpu-prof, then the functions that took the
// most time on its CPU (self time), and the .cpuprofile in bench/results/profiles/ for a viewer
// (Chrome DevTools, speedscope). For finding where a hot path spends its time, not for figures.
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.ts';
import { startMongoTestServer } from '../test/support/mongodb-server.ts';
import { closedLoop, Connections, type Call, type Measured } from './load.ts';
import { discoveryCall, introspectionCall, jwtCall, opaqueCall, signInFlow } from './calls.ts';
import type { TargetReady } from './targets/fixture.ts';

const here = dirname(fileURLToPath(import.meta.url));
const [scenario = 'B', secondsText = '5', target = 'sso'] = process.argv.slice(2);
const seconds = Number(secondsText);
if (
  !['A', 'B', 'C', 'D', 'E'].includes(scenario) ||
  !(seconds > 0) ||
  (scenario === 'D' && target === 'bare')
) {
  console.error(
    'usage: npm run bench:profile -- <A|B|C|D|E> [seconds] [sso|bare|sso-mongodb] (D: not bare)',
  );
  process.exit(2);
}
const profiles = join(here, 'results', 'profiles');
await mkdir(profiles, { recursive: true });
const env: Record<string, string> = {};
const mongo = target === 'sso-mongodb' ? await startMongoTestServer() : undefined;
if (target === 'sso-mongodb') {
  if (!mongo) throw new Error('no MongoDB server for sso-mongodb');
  env.MONGODB_URI = `${mongo.uri.replace(/\/?$/, '/')}sso_profile_${Date.now()}`;
}
const port = await freePort();
const before = new Set(await readdir(profiles));
const file = target === 'bare' ? 'bare.ts' : 'sso.ts';
const targetArgs = [
  '--cpu-prof',
  `--cpu-prof-dir=${profiles}`,
  '--import',
  join(here, 'targets', 'exit-on-signal.ts'),
  join(here, 'targets', file),
];
// BENCH_PIN=1: the target on core 0 alone, as `npm run bench` runs it (its thread pool included).
const pinned = process.env.BENCH_PIN === '1';
const child = spawn(
  pinned ? 'taskset' : process.execPath,
  pinned ? ['-c', '0', process.execPath, ...targetArgs] : targetArgs,
  {
    env: { ...process.env, ...env, BENCH_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const ready = await new Promise<TargetReady>((resolve, reject) => {
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const parsed = JSON.parse(line) as TargetReady;
      if (parsed.ready) resolve(parsed);
    } catch {
      // not the ready line
    }
  });
  child.once('exit', (code) => reject(new Error(`target exited (${code})`)));
});
const connections = new Connections(ready.url, 32);
let measured: Measured;
if (scenario === 'D') {
  measured = await closedLoop(await signInFlow(ready), seconds, 32);
} else {
  let call: Call;
  if (scenario === 'A') call = jwtCall(ready);
  else if (scenario === 'B') call = opaqueCall(ready);
  else if (scenario === 'E') call = discoveryCall;
  else {
    const answer = await connections.send(opaqueCall(ready));
    call = introspectionCall(
      ready,
      (JSON.parse(answer.body) as { access_token: string }).access_token,
    );
  }
  measured = await connections.closed(call, seconds);
}
console.log(
  `${scenario} on ${target}: ${Math.round(measured.perSecond)}/s, ${measured.errors} errors`,
);
const exited = new Promise((resolve) => child.once('exit', resolve));
child.kill('SIGTERM');
await exited;
await mongo?.stop();
const written = (await readdir(profiles)).find((name) => !before.has(name));
if (!written) throw new Error('no profile written');
const path = join(profiles, written);
interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(await readFile(path, 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
const self = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(
    /^file:\/\/.*?\/(node_modules|provider|adapters|interactions)\//,
    '$1/',
  );
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
}
console.log(`self time (${total} samples), top 30:`);
for (const [key, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((hits / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
console.log(`profile: ${path}`);
process.exit(0);
