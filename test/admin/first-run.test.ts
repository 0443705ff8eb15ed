// The first administrator: the one-time setup link SSO prints while there is none (single use,
// expiring, refused once an administrator exists, and decided by one write when raced), and the
// automated bootstrap of SSO_BOOTSTRAP_ADMIN with the password from a file or stdin, run as the
// real `provider/main.ts` process an operator starts.
import { afterAll, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../provider/config.ts';
import { createLogger } from '../../provider/log.ts';
import { startServices } from '../../provider/services.ts';
import { openStore } from '../../provider/store.ts';
import { freePort } from '../support/free-port.ts';
import { describeEachBackend, startTestSso, type TestSso } from '../support/sso.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = 'first administrator password';

// Starts SSO and answers it with the setup link its log printed (undefined when none).
async function startWatched(options: Parameters<typeof startTestSso>[0]) {
  const lines: string[] = [];
  const sso = await startTestSso({ ...options, log: (line) => lines.push(line) });
  const printed = lines
    .map((line) => JSON.parse(line) as { setupUrl?: string })
    .find((entry) => entry.setupUrl)?.setupUrl;
  return { sso, link: printed, lines };
}

const complete = (sso: TestSso, link: string, username: string, password = PASSWORD) =>
  fetch(`${sso.issuer}/admin/setup`, {
    method: 'POST',
    body: new URLSearchParams({
      token: new URL(link).searchParams.get('token')!,
      username,
      password,
      repeat: password,
    }),
  });

const administrators = async (sso: TestSso) =>
  (await sso.accounts.page({ group: 'sso-admins', limit: 10 })).map((a) => a.username);

describeEachBackend('first administrator from the setup link (%s store)', (backend) => {
  const started: TestSso[] = [];
  afterAll(async () => {
    for (const sso of started.splice(0)) await sso.stop();
  });

  test('the printed link makes one administrator once; then it and every later start print none', async () => {
    const { sso, link } = await startWatched({ backend });
    started.push(sso);
    expect(sso.firstAdministrator.kind).toBe('setup-link');
    expect(link).toMatch(new RegExp(`^${sso.issuer}/admin/setup\\?token=[\\w-]{43}$`));
    expect((await fetch(link!)).status).toBe(200);
    const done = await complete(sso, link!, 'Root');
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('root is an administrator');
    expect(await administrators(sso)).toEqual(['root']);
    expect(await sso.accounts.authenticate('root', PASSWORD)).toBeDefined();

    expect((await fetch(link!)).status).toBe(403);
    expect((await complete(sso, link!, 'intruder')).status).toBe(403);
    expect(await sso.accounts.findByLogin('intruder')).toBeUndefined();

    const second = await startWatched({ sharing: sso });
    started.push(second.sso);
    expect(second.sso.firstAdministrator).toEqual({ kind: 'has-administrator' });
    expect(second.link).toBeUndefined();
    const [event] = await sso.audit.list({ type: 'user.create', user: 'root', limit: 1 });
    expect(event).toMatchObject({ actor: 'first-run', details: { administrator: true } });
  });

  test('bad input keeps the link usable; a forged or unknown token does nothing', async () => {
    const { sso, link } = await startWatched({ backend });
    started.push(sso);
    const short = await complete(sso, link!, 'ops', 'short');
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('password must be 8 to 256 characters');
    const badName = await complete(sso, link!, 'has space');
    expect(badName.status).toBe(400);
    const forged = await fetch(`${sso.issuer}/admin/setup?token=${'A'.repeat(43)}`);
    expect(forged.status).toBe(403);
    expect(await administrators(sso)).toEqual([]);
    expect((await complete(sso, link!, 'ops')).status).toBe(200);
    expect(await administrators(sso)).toEqual(['ops']);
  });

  test('five forms posted at once with one link make exactly one administrator', async () => {
    const { sso, link } = await startWatched({ backend });
    started.push(sso);
    const answers = await Promise.all(
      ['ann', 'ben', 'cat', 'dan', 'eve'].map((name) => complete(sso, link!, name)),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(await administrators(sso)).toHaveLength(1);
  });

  test('a link expires after SSO_SETUP_LINK_TTL', async () => {
    const { sso, link } = await startWatched({ backend, env: { SSO_SETUP_LINK_TTL: '1s' } });
    started.push(sso);
    await sleep(2500);
    expect((await fetch(link!)).status).toBe(403);
    expect((await complete(sso, link!, 'late')).status).toBe(403);
  });
});

describe('SSO_BOOTSTRAP_ADMIN for automated installs (the real process)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  // Runs provider/main.ts until it listens (then stops it) or exits; answers its output and exit code.
  async function run(env: Record<string, string>, stdin?: string) {
    const port = await freePort();
    const child = spawn(process.execPath, ['provider/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, SSO_PORT: String(port), SSO_HOST: '127.0.0.1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin ?? '');
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 300 && child.exitCode === null; i++) {
      if (stdout.includes('SSO is listening')) break;
      await sleep(100);
    }
    if (child.exitCode === null) child.kill('SIGTERM');
    const code = await exit;
    return { stdout, stderr, code, listened: stdout.includes('SSO is listening') };
  }

  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sso-bootstrap-'));
    dirs.push(dir);
    return dir;
  };

  const storeOf = async (dir: string) => {
    const config = loadConfig({ SSO_DATA_DIR: dir, SSO_LOG_LEVEL: 'silent' });
    const log = createLogger('silent');
    return startServices(config, await openStore(config, log), log, { readOnly: true });
  };

  test('with the password in a file: the administrator exists, no setup link is printed', async () => {
    const dir = await dataDir();
    const file = join(dir, '..', `${dir.split('/').pop()}-password`);
    await writeFile(file, `${PASSWORD}\n`, { mode: 0o600 });
    dirs.push(file);
    const result = await run({
      SSO_DATA_DIR: dir,
      SSO_BOOTSTRAP_ADMIN: 'ops',
      SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE: file,
    });
    expect(result.listened).toBe(true);
    expect(result.stdout).toContain('first administrator created from SSO_BOOTSTRAP_ADMIN');
    expect(result.stdout).not.toContain('setupUrl');
    expect(`${result.stdout}${result.stderr}`).not.toContain(PASSWORD);
    const services = await storeOf(dir);
    try {
      const ops = await services.accounts.authenticate('ops', PASSWORD);
      expect(ops?.groups).toEqual(['sso-admins']);
    } finally {
      await services.close();
    }
    // Started again with the same settings: nothing changes, nothing is printed.
    const again = await run({
      SSO_DATA_DIR: dir,
      SSO_BOOTSTRAP_ADMIN: 'ops',
      SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE: file,
    });
    expect(again.listened).toBe(true);
    expect(again.stdout).not.toContain('first administrator created');
  }, 60_000);

  test('with the password on stdin, and with a configurable admin group', async () => {
    const dir = await dataDir();
    const result = await run(
      {
        SSO_DATA_DIR: dir,
        SSO_BOOTSTRAP_ADMIN: 'ops',
        SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE: '-',
        SSO_ADMIN_GROUP: 'platform-team',
      },
      `${PASSWORD}\n`,
    );
    expect(result.listened).toBe(true);
    const services = await storeOf(dir);
    try {
      expect((await services.accounts.authenticate('ops', PASSWORD))?.groups).toEqual([
        'platform-team',
      ]);
    } finally {
      await services.close();
    }
  }, 60_000);

  test('wrong settings stop start-up with one line', async () => {
    const dir = await dataDir();
    const missing = await run({ SSO_DATA_DIR: dir, SSO_BOOTSTRAP_ADMIN: 'ops' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^sso: invalid configuration: SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE is required with SSO_BOOTSTRAP_ADMIN[^\n]*\n$/,
    );
    const unreadable = await run({
      SSO_DATA_DIR: dir,
      SSO_BOOTSTRAP_ADMIN: 'ops',
      SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE: join(dir, 'no-such-file'),
    });
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toMatch(
      /^sso: invalid configuration: SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE cannot be read \(ENOENT\)\n$/,
    );
    const short = await run(
      { SSO_DATA_DIR: dir, SSO_BOOTSTRAP_ADMIN: 'ops', SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE: '-' },
      'short\n',
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^sso: [^\n]*password must be 8 to 256 characters[^\n]*\n$/);
  }, 60_000);

  test('an existing user who is no administrator is not taken over', async () => {
    const dir = await dataDir();
    const config = loadConfig({ SSO_DATA_DIR: dir, SSO_LOG_LEVEL: 'silent' });
    const log = createLogger('silent');
    const services = await startServices(config, await openStore(config, log), log);
    await services.accounts.create({ username: 'ops' }, 'their own password');
    await services.close();
    const result = await run(
      { SSO_DATA_DIR: dir, SSO_BOOTSTRAP_ADMIN: 'ops', SSO_BOOTSTRAP_ADMIN_PASSWORD_FILE: '-' },
      `${PASSWORD}\n`,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^sso: invalid configuration: SSO_BOOTSTRAP_ADMIN names the existing user "ops"/,
    );
    const after = await storeOf(dir);
    try {
      expect((await after.accounts.authenticate('ops', 'their own password'))?.groups).toEqual([]);
    } finally {
      await after.close();
    }
  }, 60_000);
});
