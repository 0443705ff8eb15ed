// moto's server mode: an S3-compatible server on a loopback port, from the pinned Python tools of
// test/tools/.venv (test/tools/prepare.sh installs them). Each test starts its own and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

const MOTO = fileURLToPath(new URL('../tools/.venv/bin/moto_server', import.meta.url));

export interface Moto {
  /** The endpoint, e.g. `http://127.0.0.1:41234`. */
  endpoint: string;
  /** AWS_* variables that point the AWS SDK at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts moto's server; throws saying how to install it when it is not there. */
export async function startMoto(): Promise<Moto> {
  if (!existsSync(MOTO)) {
    throw new Error(`moto is not installed (${MOTO}): run bash test/tools/prepare.sh`);
  }
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    const up = await fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    );
    if (up) {
      return {
        endpoint,
        env: {
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          SSO_S3_ENDPOINT: endpoint,
        },
        stop,
      };
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`moto did not start:\n${output.join('')}`);
}
