// jest globalTeardown: stops the MongoDB test server that globalSetup started, if any.
import { SERVER_KEY } from './jest-global-setup.ts';
import type { MongoTestServer } from './mongodb-server.ts';

/** Stops the server started by globalSetup (a server given by MONGODB_URI is left alone). */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis as Record<symbol, MongoTestServer | undefined>;
  await servers[SERVER_KEY]?.stop();
  servers[SERVER_KEY] = undefined;
}
