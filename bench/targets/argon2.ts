// The ceiling of a sign-in: argon2id verifications alone, at SSO's parameters, one per request, on
// the same libuv pool SSO uses (provider/accounts/passwords.ts), sized the same way.
import '../../provider/threadpool.ts';
import { createServer } from 'node:http';
import { loadConfig } from '../../provider/config.ts';
import { createPasswordHasher } from '../../provider/accounts/passwords.ts';
import { announce } from './fixture.ts';

const config = loadConfig({ SSO_DATA_DIR: '/tmp', SSO_LOG_LEVEL: 'silent' });
const hasher = createPasswordHasher(config.argon2);
const hash = await hasher.hash('a benchmark password');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    void hasher.verify(hash, 'a benchmark password').then((ok) => {
      res.writeHead(ok ? 200 : 500, { 'content-length': '0' }).end();
    });
  });
});
server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  const none = { id: '', secret: '' };
  announce({ ready: true, url: `http://127.0.0.1:${port}`, jwtClient: none, opaqueClient: none });
});
