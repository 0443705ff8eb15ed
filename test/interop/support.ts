// Shared by the interop tests that drive a client written in another language: what they register in
// SSO, the environment they hand the program, and running a toolchain command so that a missing
// toolchain or dependency fails the test with the command that installs it.
import { execFile } from 'node:child_process';
import { REDIRECT_URI } from '../support/flows.ts';
import type { TestSso } from '../support/sso.ts';

export const API_AUDIENCE = 'https://api.example.test/orders';

export interface InteropFixtures {
  /** The environment the interop program reads (see its source). */
  env: Record<string, string>;
  user: { id: string; username: string; password: string };
  webClientId: string;
  serviceClientId: string;
}

/**
 * Registers a user, a (third-party, so the consent page is shown) web app, an API and a service
 * allowed to call it; answers the program's environment.
 */
export async function registerFixtures(sso: TestSso, name: string): Promise<InteropFixtures> {
  const user = await sso.user({
    username: 'alice',
    email: 'Alice@Example.com',
    emailVerified: true,
    name: 'Alice Liddell',
    givenName: 'Alice',
    familyName: 'Liddell',
    groups: ['admins', 'staff'],
  });
  await sso.api({
    audience: API_AUDIENCE,
    name: 'Orders',
    scopes: ['orders:read', 'orders:write'],
  });
  const web = await sso.client({
    type: 'confidential',
    name: `${name} Web App`,
    grantTypes: ['authorization_code', 'refresh_token'],
    redirectUris: [REDIRECT_URI],
  });
  const service = await sso.client({
    type: 'confidential',
    name: `${name} Worker`,
    grantTypes: ['client_credentials'],
    allowedApis: [API_AUDIENCE],
  });
  return {
    user,
    webClientId: web.clientId,
    serviceClientId: service.clientId,
    env: {
      ISSUER: sso.issuer,
      CLIENT_ID: web.clientId,
      CLIENT_SECRET: web.secret!,
      REDIRECT_URI,
      USERNAME: user.username,
      PASSWORD: user.password,
      SCOPES: 'openid profile email groups offline_access',
      SERVICE_CLIENT_ID: service.clientId,
      SERVICE_CLIENT_SECRET: service.secret!,
      API_AUDIENCE,
      API_SCOPES: 'orders:read',
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never rejects; a missing executable answers code 127). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code =
          error === null
            ? 0
            : (error as NodeJS.ErrnoException).code === 'ENOENT'
              ? 127
              : typeof error.code === 'number'
                ? error.code
                : 1;
        const note =
          code === 127
            ? `${command}: ${error?.message ?? 'not found'}`
            : error?.killed
              ? `${stderr}\n(killed after ${options.timeoutMs ?? 60_000} ms)`
              : stderr;
        resolve({ code, stdout, stderr: note });
      },
    );
  });
}

/** Fails with `advice` when a command did not succeed. */
export function expectSuccess(result: RunResult, what: string, advice: string): void {
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}). ${advice}\n${result.stderr}`);
  }
}

/** Parses the program's one JSON report, or fails showing what it printed. */
export function parseReport<T>(result: RunResult, what: string): T {
  if (result.code !== 0) {
    throw new Error(
      `${what} exited ${result.code}:\n${result.stderr}\n${result.stdout.slice(0, 4000)}`,
    );
  }
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`${what} did not print JSON:\n${result.stdout}\n${result.stderr}`);
  }
}
