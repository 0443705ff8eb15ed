// Connection failures need no server: they must fail fast, typed, and without credentials.
import { describe, expect, test } from '@jest/globals';
import { createServer } from 'node:net';
import { StoreUnavailableError } from '../store.ts';
import { openMongoStore } from './mongodb-store.ts';

// A port on 127.0.0.1 that nothing listens on.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

describe('MongoDB store: connection failures', () => {
  test('an unreachable server fails fast with StoreUnavailableError, credentials withheld', async () => {
    const port = await closedPort();
    const uri = `mongodb://sso-admin:s3cr%40t-pw@127.0.0.1:${port}/sso`;
    const started = Date.now();
    const error: unknown = await openMongoStore(uri, { serverSelectionTimeoutMS: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ name: 'StoreUnavailableError', code: 'store_unavailable' });
    const { message } = error as Error;
    expect(message).toContain(`127.0.0.1:${port}`);
    for (const secret of ['s3cr', 's3cr%40t-pw', 's3cr@t-pw', 'sso-admin']) {
      expect(message).not.toContain(secret);
    }
    expect(JSON.stringify(error)).not.toContain('s3cr');
  });

  test('serverSelectionTimeoutMS in the URI is honoured when no option overrides it', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(
      openMongoStore(`mongodb://127.0.0.1:${port}/?serverSelectionTimeoutMS=200`),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2500); // the default would wait 5000 ms
  });

  test('an invalid URI is a StoreUnavailableError that does not repeat the password', async () => {
    const error: unknown = await openMongoStore(
      'mongodb://admin:pa55word@localhost/?notAnOption=1&authMechanism=NOPE',
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/^MongoDB URI is not valid \(mongodb:\/\/localhost\)/);
    expect((error as Error).message).not.toContain('pa55word');
  });
});
