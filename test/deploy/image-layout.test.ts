import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { codeFlow, discover, REDIRECT_URI } from '../support/flows.ts';
import { freePort } from '../support/sso.ts';
import { UserAgent } from '../support/user-agent.ts';

// There is no Docker engine here, so the image is checked the next best way: its final stage's
// files (the Dockerfile's COPY lines) and production-only dependencies (npm ci --omit=dev
// --ignore-scripts, as in the image) are laid out in a temporary directory, and the service and its
// health check are started from there. A source file or runtime dependency the image lacks fails this.
const ROOT = new URL('../..', import.meta.url).pathname;

function finalStageCopies(dockerfile: string): string[] {
  const stages = dockerfile.split(/^FROM /m);
  const final = stages[stages.length - 1]!;
  return [...final.matchAll(/^COPY (?!--from)(\S+) (\S+)$/gm)].map((match) => match[1]!);
}

// Every file under `dir` but the data directory, with its size and modification time.
function snapshot(dir: string, skip: string): string[] {
  const entries: string[] = [];
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (name === skip || name.startsWith(`${skip}/`)) continue;
    const stat = statSync(join(dir, name));
    entries.push(`${name} ${stat.size} ${stat.mtimeMs}`);
  }
  return entries.sort();
}

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  test('is a multi-stage build on the official Node 24 slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^node:24-slim\b/);
  });

  test('installs production dependencies only, runs as a non-root user, has a HEALTHCHECK', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const final = stages[stages.length - 1]!;
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^HEALTHCHECK .*provider\/healthcheck\.ts/m);
    // Configuration is SSO_* only, and no secret is baked in.
    const env = [...final.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)].map((match) => match[1]!).join(' ');
    const names = [...env.matchAll(/(\w+)=/g)].map((match) => match[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/^SSO_/);
    expect(names).not.toContain('SSO_MASTER_KEY');
  });
});

describe('the container image layout', () => {
  let dir: string;
  let service: ChildProcess | undefined;
  let output = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sso-image-'));
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    const install = spawnSync(
      'npm',
      ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
      {
        cwd: dir,
        encoding: 'utf8',
      },
    );
    if (install.status !== 0) throw new Error(`npm ci failed: ${install.stderr}`);
    for (const source of finalStageCopies(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))) {
      if (source === 'package.json') continue;
      cpSync(join(ROOT, source), join(dir, source), { recursive: true });
    }
  }, 180_000);

  afterAll(async () => {
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((resolve) => service!.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('the service starts from the image files with production dependencies and passes its health check', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SSO_PORT: String(port),
      SSO_HOST: '127.0.0.1',
      SSO_DATA_DIR: join(dir, 'data'),
      SSO_ISSUER: `http://127.0.0.1:${port}`,
    };
    delete env.MONGODB_URI;
    const files = snapshot(dir, 'data');
    service = spawn(process.execPath, ['provider/main.ts'], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    service.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    service.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    let healthy = false;
    for (let i = 0; i < 100 && !healthy && service.exitCode === null; i++) {
      await sleep(100);
      healthy =
        spawnSync(process.execPath, ['provider/healthcheck.ts'], { cwd: dir, env }).status === 0;
    }
    if (!healthy) throw new Error(`the service never became healthy:\n${output}`);
    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    const login = await fetch(`http://127.0.0.1:${port}/assets/bootstrap.min.css`);
    expect(login.status).toBe(200);
    const cli = spawnSync(process.execPath, ['provider/cli/main.ts', 'users', 'list', '--json'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect(cli.status).toBe(0);

    // The smoke flow: client credentials and a person's sign-in, set up with the image's CLI.
    const run = (args: string[], input?: string) => {
      const result = spawnSync(process.execPath, ['provider/cli/main.ts', ...args], {
        cwd: dir,
        env,
        encoding: 'utf8',
        ...(input === undefined ? {} : { input }),
      });
      if (result.status !== 0) throw new Error(`sso ${args.join(' ')}: ${result.stderr}`);
      return result.stdout;
    };
    const worker = JSON.parse(
      run([
        'clients',
        'add',
        '--name',
        'Smoke worker',
        '--confidential',
        '--grant',
        'client_credentials',
        '--json',
      ]),
    ) as { clientId: string; clientSecret: string };
    const token = await fetch(`http://127.0.0.1:${port}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${worker.clientId}:${worker.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ token_type: 'Bearer' });

    const password = 'Smoke-Test-Passphrase-42';
    run(
      ['users', 'add', 'smoke', '--email', 'smoke@example.com', '--password-stdin'],
      `${password}\n`,
    );
    const web = JSON.parse(
      run([
        'clients',
        'add',
        '--name',
        'Smoke web',
        '--confidential',
        '--redirect-uri',
        REDIRECT_URI,
        '--first-party',
        '--json',
      ]),
    ) as { clientId: string; clientSecret: string };
    const config = await discover(env.SSO_ISSUER!, web.clientId, web.clientSecret);
    const agent = new UserAgent({ ssoOrigin: `http://127.0.0.1:${port}` });
    const { tokens } = await codeFlow(config, agent, { login: 'smoke', password });
    expect(tokens.claims()?.iss).toBe(env.SSO_ISSUER);

    // Nothing but the data directory was written: a read-only root filesystem is enough.
    expect(snapshot(dir, 'data')).toEqual(files);
  }, 60_000);
});
