// Every query the MongoDB store sends, asked of the server it runs on with `explain`: what a DBA
// checks before putting a store in front of traffic. The store is driven through each of its
// operations, every command it sends is recorded (the driver's command monitoring), and each
// distinct query shape is explained on the same server:
// - a server with a query planner (MongoDB, DocumentDB) must answer each from an index (no
//   COLLSCAN in the winning plan); listing everything (an empty filter) is the one exception;
// - FerretDB 1.x plans in its SQL backend and reports whether a filter was pushed down into it:
//   every read by `_id` (what requests make: tokens, sessions, clients, counters) must be.
//   FerretDB 1.x (SQLite backend) pushes down nothing else: not secondary fields, and not the
//   filter of an update or delete even by `_id`, which it answers by reading the whole collection
//   (an updateOne by _id took 6 ms at 10 documents and 27 ms at 5,000). The test prints those
//   rather than hide them; no store code can avoid them on that server;
// - a server without `explain` (mongo-java-server, in memory) is reported as such by name.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { CommandStartedEvent, Document, MongoClient } from 'mongodb';
import type { MongoStore } from '../../adapters/mongodb/mongodb-store.ts';
import { describeIfMongo, freshMongoStore, mongoTestClient } from '../support/mongodb-server.ts';

interface Query {
  collection: string;
  /** The command to explain: the find, update, delete or findAndModify as the store sent it. */
  command: Document;
  filter: Document;
  /** The store operation that sent it. */
  operation: string;
}

const QUERY_COMMANDS = ['find', 'update', 'delete', 'findAndModify', 'count'] as const;

// The queries of one command, each as a command of its own (explain takes one statement).
function queriesOf(event: CommandStartedEvent, operation: string): Query[] {
  const { command, commandName } = event;
  const collection = String(command[commandName]);
  switch (commandName) {
    case 'find':
    case 'count': {
      const filter = (command.filter ?? command.query ?? {}) as Document;
      return [{ collection, operation, filter, command: { [commandName]: collection, filter } }];
    }
    case 'update':
      return (command.updates as Document[]).map((statement) => ({
        collection,
        operation,
        filter: statement.q as Document,
        command: { update: collection, updates: [statement] },
      }));
    case 'delete':
      return (command.deletes as Document[]).map((statement) => ({
        collection,
        operation,
        filter: statement.q as Document,
        command: { delete: collection, deletes: [statement] },
      }));
    case 'findAndModify':
      return [
        {
          collection,
          operation,
          filter: command.query as Document,
          command: Object.fromEntries(
            Object.entries(command).filter(([key]) => !key.startsWith('$') && key !== 'lsid'),
          ),
        },
      ];
    default:
      return [];
  }
}

// A filter's shape: its field names and operators, without the values.
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
  }
  return '?';
}

const stages = (plan: unknown): string[] => {
  if (!plan || typeof plan !== 'object') return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(plan)) {
    if (key === 'stage' && typeof value === 'string') found.push(value);
    else found.push(...stages(value));
  }
  return found;
};

describeIfMongo('MongoDB store: every query it sends, explained on the server', () => {
  let store: MongoStore;
  let dispose: () => Promise<void>;
  let raw: MongoClient;
  let dbName: string;
  let operation = 'setup';
  const queries = new Map<string, Query>();

  beforeAll(async () => {
    ({ store, dispose, dbName } = await freshMongoStore({
      onCommand: (event) => {
        if (!(QUERY_COMMANDS as readonly string[]).includes(event.commandName)) return;
        for (const query of queriesOf(event, operation)) {
          const key = JSON.stringify([query.collection, event.commandName, shape(query.filter)]);
          if (!queries.has(key)) queries.set(key, query);
        }
      },
    }));
    raw = await mongoTestClient();
    const as = async (name: string, run: () => Promise<unknown>) => {
      operation = name;
      await run();
    };
    // Each operation of the store, as the service uses them.
    const payload = { grantId: 'g1', uid: 'u1', userCode: 'UC-1', accountId: 'a1', clientId: 'c1' };
    await as('oidc.upsert', () => store.oidc.upsert('AccessToken', 't1', payload, 60));
    await as('oidc.upsert (session)', () => store.oidc.upsert('Session', 's1', payload, 60));
    await as('oidc.upsert (again)', () => store.oidc.upsert('Session', 's1', payload, 60));
    await as('oidc.insertIfAbsent', () =>
      store.oidc.insertIfAbsent('ReplayDetection', 'j1', {}, 60),
    );
    await as('oidc.insertIfAbsent (taken)', () =>
      store.oidc.insertIfAbsent('ReplayDetection', 'j1', {}, 60),
    );
    await as('oidc.find', () => store.oidc.find('AccessToken', 't1'));
    await as('oidc.findByUid', () => store.oidc.findByUid('Session', 'u1'));
    await as('oidc.findByUserCode', () => store.oidc.findByUserCode('DeviceCode', 'UC-1'));
    await as('oidc.consume', () => store.oidc.consume('AccessToken', 't1'));
    await as('oidc.consume (again)', () => store.oidc.consume('AccessToken', 't1'));
    await as('oidc.listByAccountId', () => store.oidc.listByAccountId('Session', 'a1'));
    await as('oidc.revokeByGrantId', () => store.oidc.revokeByGrantId('AccessToken', 'g1'));
    await as('oidc.destroy', () => store.oidc.destroy('Session', 's1'));
    await as('oidc.destroyByAccountId', () => store.oidc.destroyByAccountId('a1'));
    await as('oidc.destroyByClientId', () => store.oidc.destroyByClientId('c1'));
    const account = {
      id: 'acc1',
      username: 'ada',
      email: 'ada@example.test',
      version: 1,
      createdAt: 1,
      updatedAt: 1,
    } as Parameters<MongoStore['accounts']['create']>[0];
    await as('accounts.create', () => store.accounts.create(account));
    await as('accounts.get', () => store.accounts.get('acc1'));
    await as('accounts.findByUsername', () => store.accounts.findByUsername('ada'));
    await as('accounts.findByEmail', () => store.accounts.findByEmail('ada@example.test'));
    await as('accounts.findByPasskey', () => store.accounts.findByPasskey('pk1'));
    await as('accounts.replace', () => store.accounts.replace(account));
    await as('accounts.page', () => store.accounts.page({ limit: 10, prefix: 'a', after: 'a' }));
    await as('accounts.page (group)', () => store.accounts.page({ limit: 10, group: 'staff' }));
    await as('accounts.delete', () => store.accounts.delete('acc1'));
    const client = {
      clientId: 'c1',
      metadata: { client_id: 'c1' },
      firstParty: false,
      allowedApis: [],
      version: 1,
      createdAt: 1,
      updatedAt: 1,
    };
    await as('clients.create', () => store.clients.create(client));
    await as('clients.get', () => store.clients.get('c1'));
    await as('clients.replace', () => store.clients.replace(client));
    await as('clients.delete', () => store.clients.delete('c1'));
    const api = {
      audience: 'https://api.example.test',
      scopes: ['read'],
      accessTokenTtl: 60,
      version: 1,
      createdAt: 1,
      updatedAt: 1,
    };
    await as('apis.create', () => store.apis.create(api));
    await as('apis.get', () => store.apis.get(api.audience));
    await as('apis.replace', () => store.apis.replace(api));
    await as('apis.delete', () => store.apis.delete(api.audience));
    await as('keySets.create', () => store.keySets.create('cookie', []));
    await as('keySets.get', () => store.keySets.get('cookie'));
    await as('keySets.replace', () => store.keySets.replace('cookie', 1, []));
    await as('counters.add', () => store.counters.add('rate:1', 1, 60_000));
    await as('counters.add (again)', () => store.counters.add('rate:1', 1, 60_000));
    await as('counters.add (reset)', () => store.counters.add('rate:1', 1, 60_000, true));
    await as('counters.get', () => store.counters.get('rate:1'));
    await as('counters.delete', () => store.counters.delete('rate:1'));
    await as('counters.deleteByPrefix', () => store.counters.deleteByPrefix('rate:'));
    await as('audit.append', () =>
      store.audit.append({
        id: 'e1',
        time: 1,
        type: 'sign-in.success',
        actor: 'ada',
        expiresAt: Date.now() + 60_000,
      }),
    );
    await as('audit.list', () =>
      store.audit.list({ limit: 10, type: 'sign-in', user: 'ada', since: 0, until: 2 }),
    );
    await as('sweepExpired', () => store.sweepExpired());
  }, 60_000);

  afterAll(async () => {
    await raw?.close();
    await dispose?.();
  });

  test('no collection scan where the server plans with indexes (MongoDB), every read by _id pushed down (FerretDB), explain refused by name (mongo-java-server)', async () => {
    expect(queries.size).toBeGreaterThan(20);
    const db = raw.db(dbName);
    const info = await db.command({ buildInfo: 1 });
    const ferret = (info as { ferretdbVersion?: string }).ferretdbVersion;
    const explain = (query: Query) =>
      db.command({ explain: query.command, verbosity: 'queryPlanner' });
    const probe = await explain([...queries.values()][0]!).catch((error: unknown) => error);
    if (probe instanceof Error) {
      // mongo-java-server: an in-memory server without a query planner.
      expect(probe.message).toMatch(/no such command: 'explain'/);
      return;
    }
    const scans: string[] = [];
    const notPushedDown: string[] = [];
    for (const query of queries.values()) {
      const plan = await explain(query);
      const describe = `${query.operation}: ${query.collection} ${JSON.stringify(shape(query.filter))}`;
      if (ferret) {
        const byId = query.command.find !== undefined && typeof query.filter._id === 'string';
        if (!(plan as { filterPushdown?: boolean }).filterPushdown) {
          if (byId) scans.push(describe);
          else notPushedDown.push(describe);
        }
      } else if (Object.keys(query.filter).length > 0) {
        const winning = (plan as { queryPlanner?: { winningPlan?: unknown } }).queryPlanner
          ?.winningPlan;
        if (stages(winning).includes('COLLSCAN')) scans.push(describe);
      }
    }
    expect(scans).toEqual([]);
    if (ferret) {
      // What FerretDB 1.x does not push down: written to the test output, for the README's note.
      process.stdout.write(
        `FerretDB ${ferret}: ${notPushedDown.length} of ${queries.size} query shapes filtered in FerretDB, not in SQL:\n  ${notPushedDown.join('\n  ')}\n`,
      );
    }
  });
});
