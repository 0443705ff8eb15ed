// Runs the CLI as a real child process (the pinned Node that runs jest) against a fresh embedded
// store, and opens that store in the test for checks. Every run is checked for stack traces.
import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { startServices, type Services } from '../../provider/services.ts';
import { openStore } from '../../provider/store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh data directory with the CLI runner and store access bound to it. */
export interface CliSandbox {
  dataDir: string;
  /** Runs `sso <args>` with `stdin` piped in (an empty, closed stdin when not given). */
  run(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** Runs `fn` with services over the same store, closing them afterwards. */
  withServices<T>(fn: (services: Services) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

/** The environment the CLI sees: the parent's, minus SSO and MongoDB settings, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SSO_|MONGODB_URI$)/.test(name)),
  );
  return { ...env, SSO_LOG_LEVEL: 'silent', ...extra };
}

/** Creates a sandbox with its own empty data directory. */
export async function cliSandbox(): Promise<CliSandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sso-cli-'));
  return {
    dataDir,
    run: (args, options = {}) =>
      runCli(args, options.stdin, childEnv({ SSO_DATA_DIR: dataDir, ...options.env })),
    async withServices(fn) {
      const config = loadConfig({ SSO_DATA_DIR: dataDir, SSO_LOG_LEVEL: 'silent' });
      const log = createLogger(config.logLevel);
      const services = await startServices(config, await openStore(config, log), log);
      try {
        return await fn(services);
      } finally {
        await services.close();
      }
    },
    async dispose() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A CLI runner pointed at an existing store (see TestSso.storeEnv). */
export function cliSandboxFor(storeEnv: Record<string, string>): Pick<CliSandbox, 'run'> {
  return {
    run: (args, options = {}) =>
      runCli(args, options.stdin, childEnv({ ...storeEnv, ...options.env })),
  };
}

async function runCli(
  args: string[],
  stdin: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<CliResult> {
  const child = spawn(process.execPath, ['provider/cli/main.ts', ...args], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.on('error', () => undefined); // the CLI may exit without reading stdin
  child.stdin.end(stdin ?? '');
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve(status));
  });
  expect(`${stdout}\n${stderr}`).not.toMatch(/^\s+at /m);
  return { code, stdout, stderr };
}

/** Asserts a failed run: exit `code`, nothing on stdout, one `sso: …` line on stderr matching `pattern`. */
export function expectOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: '' });
  expect(result.stderr).toMatch(/^sso: [^\n]+\n$/);
  expect(result.stderr).toMatch(pattern);
}

/** Asserts a successful run and answers its stdout parsed as JSON. */
export function expectJson<T = unknown>(result: CliResult): T {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as T;
}
