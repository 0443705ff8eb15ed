// jest globalSetup: resolves the MongoDB test server once per run and hands its URI to the test
// workers (which are started afterwards and inherit this process's environment).
import {
  MONGODB_SKIP_MESSAGE,
  MONGODB_TEST_URI_ENV,
  failMongoRequired,
  mongoRequired,
  startMongoTestServer,
  type MongoTestServer,
} from './mongodb-server.ts';

/** Where globalTeardown finds the server to stop (globalSetup and globalTeardown share globals). */
export const SERVER_KEY = Symbol.for('sso.test.mongodbServer');

/** Starts (or finds) the MongoDB test server; prints one line saying which, or that suites skip. */
export default async function globalSetup(): Promise<void> {
  const server = await startMongoTestServer();
  if (!server) {
    if (mongoRequired()) failMongoRequired();
    process.env[MONGODB_TEST_URI_ENV] = '';
    // For the summary line (summary-reporter.js), which names what did not run.
    process.env.SSO_TEST_SKIP_REASON = MONGODB_SKIP_MESSAGE;
    process.stderr.write(`\n${MONGODB_SKIP_MESSAGE}\n`);
    return;
  }
  process.env[MONGODB_TEST_URI_ENV] = server.uri;
  (globalThis as Record<symbol, MongoTestServer>)[SERVER_KEY] = server;
  process.stderr.write(`\nMongoDB suites use ${server.description}\n`);
}
