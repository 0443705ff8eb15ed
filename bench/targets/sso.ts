// SSO as it runs (provider/server.ts: every middleware, the store, the request limits counting), on
// the embedded store or on MongoDB (MONGODB_URI), with the benchmark's fixture registered.
import '../../provider/threadpool.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../provider/config.ts';
import { newMasterKeyText } from '../../provider/keys/master-key.ts';
import { createLogger } from '../../provider/log.ts';
import { startServer } from '../../provider/server.ts';
import { openStore } from '../../provider/store.ts';
import { announce, BENCH_API, BENCH_SCOPE } from './fixture.ts';

const dataDir = await mkdtemp(join(tmpdir(), 'sso-bench-'));
const port = Number(process.env.BENCH_PORT ?? 0);
const config = loadConfig({
  SSO_PORT: String(port),
  SSO_HOST: '127.0.0.1',
  SSO_ISSUER: `http://127.0.0.1:${port}`,
  SSO_DATA_DIR: dataDir,
  SSO_LOG_LEVEL: 'error',
  SSO_MASTER_KEY: newMasterKeyText(),
  // Counting every request, as in production, but high enough to refuse none.
  SSO_RATE_LIMIT_PER_ADDRESS: '100000000',
  SSO_RATE_LIMIT_PER_CLIENT: '100000000',
  SSO_AUTHORIZATIONS_PER_ADDRESS: '100000000',
  SSO_LOGIN_ADDRESS_LIMIT: '0',
  SSO_LOGIN_LOCKOUT_AFTER: '0',
  ...(process.env.MONGODB_URI ? { MONGODB_URI: process.env.MONGODB_URI } : {}),
});
const log = createLogger(config.logLevel);
const running = await startServer(config, await openStore(config, log), log);
await running.apis.create({ audience: BENCH_API, scopes: [BENCH_SCOPE], accessTokenTtl: 300 });
const jwt = await running.clients.create({
  type: 'confidential',
  grantTypes: ['client_credentials'],
  allowedApis: [BENCH_API],
});
const opaque = await running.clients.create({
  type: 'confidential',
  grantTypes: ['client_credentials'],
});
const redirectUri = 'http://127.0.0.1:9/callback';
const web = await running.clients.create({
  type: 'confidential',
  grantTypes: ['authorization_code'],
  redirectUris: [redirectUri],
  firstParty: true,
});
await running.accounts.create({ username: 'bench' }, 'a benchmark password');
announce({
  ready: true,
  url: running.listenUrl,
  jwtClient: { id: jwt.client.clientId, secret: jwt.secret! },
  opaqueClient: { id: opaque.client.clientId, secret: opaque.secret! },
  signIn: {
    clientId: web.client.clientId,
    secret: web.secret!,
    redirectUri,
    login: 'bench',
    password: 'a benchmark password',
  },
});
