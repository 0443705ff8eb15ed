// Child processes for the examples test: commands run to completion, servers started and waited
// for, and every server stopped at the end. Output is kept so that a failure can show it.
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Server {
  name: string;
  child: ChildProcess;
  /** Everything the server wrote so far (stdout and stderr). */
  output(): string;
}

/**
 * The environment a child sees: the parent's without any setting the examples or SSO read (so
 * the .env file and `extra` decide), plus `extra`.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const own = /^(SSO_|WEB_|ORDERS_|WORKER_|EXAMPLES_|MONGODB_URI$)/;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !own.test(name)));
  return { ...env, ...extra };
}

/** Runs `command` from the repository root to completion, with `stdin` piped in. */
export async function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<Finished> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { code, stdout, stderr };
}

const servers: Server[] = [];

/** Starts a long-running `node` process from the repository root; stopped by stopAll(). */
export function start(name: string, args: string[], env: NodeJS.ProcessEnv): Server {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const server = { name, child, output: () => output };
  servers.push(server);
  return server;
}

/** Waits until `url` answers over HTTP (any status); fails if the server exits or takes 15 s. */
export async function waitForHttp(server: Server, url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`${server.name} exited (${server.child.exitCode}):\n${server.output()}`);
    }
    try {
      const response = await fetch(url, { redirect: 'manual' });
      await response.body?.cancel();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${server.name} did not answer at ${url} within 15 s:\n${server.output()}`);
}

/** Stops every server start() started (SIGTERM, then SIGKILL after 5 s) and waits for them. */
export async function stopAll(): Promise<void> {
  await Promise.all(servers.splice(0).map(stop));
}

async function stop({ child }: Server): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
