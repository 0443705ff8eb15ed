// Runs the CLI as a real child process (the pinned Node that runs jest) against a fresh embedded
// store, and opens that store in the test for checks. Every run is checked for stack traces.
// A sandbox runs the CLI in one of two modes: `local`, on the store itself, or `remote`, through
// the admin API of a real SSO serving that store (under a path prefix, /auth), as a machine client:
// every command then goes over HTTP, and the CLI is given no usable store at all.
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ACCOUNT_CLIENT_ID,
  adminApiAudience,
  CONSOLE_CLIENT_ID,
} from '../../provider/administration/system.ts';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { startServices, type Services } from '../../provider/services.ts';
import { openStore } from '../../provider/store.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** How the CLI reaches the store: directly, or with --url through a server's admin API. */
export type CliMode = 'local' | 'remote';

/** Both modes, local first. */
export const CLI_MODES: readonly CliMode[] = ['local', 'remote'];

/** The id of the machine client a remote sandbox's CLI runs as. */
export const REMOTE_CLIENT_ID = 'cli-remote-mode';

/** A fresh data directory with the CLI runner and store access bound to it. */
export interface CliSandbox {
  mode: CliMode;
  dataDir: string;
  /** Runs `sso <args>` with `stdin` piped in (an empty, closed stdin when not given). */
  run(
    args: string[],
    options?: { stdin?: string; env?: Record<string, string> },
  ): Promise<CliResult>;
  /** Runs `fn` with services over the same store, closing them afterwards. */
  withServices<T>(fn: (services: Services) => Promise<T>): Promise<T>;
  /** Who the audit log names as the actor of a command's change. */
  actor: RegExp;
  /**
   * `items` of a listing without the records the sandbox had before any command ran (none
   * locally; remotely SSO's own console client and admin API, and the CLI's machine client),
   * having checked that those are all there, each once.
   */
  own<T extends { clientId?: unknown; audience?: unknown }>(
    kind: 'clients' | 'apis',
    items: readonly T[],
  ): T[];
  dispose(): Promise<void>;
}

/** `describe.each` over both modes, `%s` in `title` naming the mode. */
export function describeEachMode(title: string, fn: (mode: CliMode) => void): void {
  describe.each(CLI_MODES)(title, fn);
}

/**
 * `test` in local mode; in remote mode the same test declared skipped, its title saying why, so
 * that the run counts it and names it.
 */
export function localOnlyTest(mode: CliMode, reason: string) {
  return (name: string, fn: () => Promise<void>, timeout?: number): void => {
    if (mode === 'local') test(name, fn, timeout);
    else test.skip(`${name} [not run with --url: ${reason}]`, fn, timeout);
  };
}

/** The environment the CLI sees: the parent's, minus SSO and MongoDB settings, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SSO_|MONGODB_URI$)/.test(name)),
  );
  return { ...env, SSO_LOG_LEVEL: 'silent', ...extra };
}

/** Creates a sandbox with its own empty data directory, for the CLI in `mode`. */
export async function cliSandbox(mode: CliMode = 'local'): Promise<CliSandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sso-cli-'));
  const withServices = async <T>(fn: (services: Services) => Promise<T>): Promise<T> => {
    const config = loadConfig({ SSO_DATA_DIR: dataDir, SSO_LOG_LEVEL: 'silent' });
    const log = createLogger(config.logLevel);
    const services = await startServices(config, await openStore(config, log), log);
    try {
      return await fn(services);
    } finally {
      await services.close();
    }
  };
  const dispose = () => rm(dataDir, { recursive: true, force: true });
  if (mode === 'local') {
    return {
      mode,
      dataDir,
      run: (args, options = {}) =>
        runCli(args, options.stdin, childEnv({ SSO_DATA_DIR: dataDir, ...options.env })),
      withServices,
      actor: /^cli(:.+)?$/,
      own: (_kind, items) => [...items],
      dispose,
    };
  }
  let sso: TestSso;
  try {
    sso = await startTestSso({ basePath: '/auth', env: { SSO_DATA_DIR: dataDir } });
  } catch (error) {
    await dispose();
    throw error;
  }
  const machine = await sso.client({
    clientId: REMOTE_CLIENT_ID,
    name: 'CLI in remote mode',
    type: 'confidential',
    grantTypes: ['client_credentials'],
    allowedApis: [adminApiAudience(sso.issuer)],
  });
  const existing = {
    clients: [ACCOUNT_CLIENT_ID, CONSOLE_CLIENT_ID, REMOTE_CLIENT_ID],
    apis: [adminApiAudience(sso.issuer)],
  };
  return {
    mode,
    dataDir,
    run: (args, options = {}) =>
      runCli(
        ['--url', sso.issuer, ...args],
        options.stdin,
        childEnv({
          // A store the CLI cannot open: in remote mode it has no business with one.
          SSO_DATA_DIR: '/dev/null/no-store-with-url',
          SSO_ADMIN_CLIENT_ID: machine.clientId,
          SSO_ADMIN_CLIENT_SECRET: machine.secret!,
          ...options.env,
        }),
      ),
    withServices,
    actor: new RegExp(`^client:${REMOTE_CLIENT_ID}$`),
    own(kind, items) {
      const key = (item: { clientId?: unknown; audience?: unknown }) =>
        String(kind === 'clients' ? item.clientId : item.audience);
      const theirs = items.map(key).filter((id) => existing[kind].includes(id));
      expect(theirs.sort()).toEqual([...existing[kind]].sort());
      return items.filter((item) => !existing[kind].includes(key(item)));
    },
    async dispose() {
      await sso.stop();
      await dispose();
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
