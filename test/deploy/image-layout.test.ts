import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/sso.ts';

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
      NODE_ENV: 'production',
    };
    delete env.MONGODB_URI;
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
  });
});
