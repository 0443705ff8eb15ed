// Starts tls-proxy-process.ts as a child process in front of a server, with a fresh self-signed
// certificate for localhost (made with the system's openssl), and gives a fetch that trusts it.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';

export interface TlsProxy {
  /** https://localhost:<port>, the proxy's public origin. */
  readonly origin: string;
  /** fetch that trusts the proxy's certificate. */
  readonly fetch: typeof fetch;
  /** The proxy's certificate (PEM), for a child process to trust (NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  stop(): Promise<void>;
}

const PROCESS = fileURLToPath(new URL('./tls-proxy-process.ts', import.meta.url));

/** Starts the proxy on `port` (chosen by the caller, so an issuer can name it first). */
export async function startTlsProxy(port: number, target: string): Promise<TlsProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'sso-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  const child: ChildProcess = spawn(process.execPath, [PROCESS, String(port), target, key, cert], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`TLS proxy exited with ${code}`)));
    child.stdout!.once('data', () => resolve());
  });
  const dispatcher = new Agent({ connect: { ca: await readFile(cert, 'utf8') } });
  return {
    origin: `https://localhost:${port}`,
    caFile: cert,
    fetch: ((input: string | URL, init?: RequestInit) =>
      undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
