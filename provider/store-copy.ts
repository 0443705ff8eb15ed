// Copying what lasts (accounts, clients, APIs, signing and cookie keys) from one store to another:
// how a team moves from the embedded store to MongoDB, or back, without re-registering apps or
// resetting passwords. Sessions, grants and tokens are not copied: people sign in again.
import type { KeySetKind, Store } from '../adapters/store.ts';
import { ValidationError } from './errors.ts';

export interface CopyReport {
  /** Records written to the target, per kind. */
  copied: { accounts: number; clients: number; apis: number; keySets: number };
  /** Records the target already held, identical. */
  alreadyThere: number;
}

/**
 * Copies every durable record of `from` into `to`. A record the target already holds identically
 * is left alone, so a copy that stopped half-way can simply be run again; a record the target holds
 * differently stops the copy with a ValidationError naming it (nothing is overwritten).
 */
export async function copyDurableRecords(from: Store, to: Store): Promise<CopyReport> {
  const report: CopyReport = {
    copied: { accounts: 0, clients: 0, apis: 0, keySets: 0 },
    alreadyThere: 0,
  };
  const count = (kind: keyof CopyReport['copied'], wrote: boolean) => {
    if (wrote) report.copied[kind]++;
    else report.alreadyThere++;
  };

  for (const kind of ['signing', 'cookie'] as KeySetKind[]) {
    const source = await from.keySets.get(kind);
    if (!source) continue;
    const existing = await to.keySets.get(kind);
    const stored = existing ?? (await to.keySets.create(kind, source.keys));
    if (!sameJson(stored.keys, source.keys)) {
      throw new ValidationError(
        'to',
        `the target already has different ${kind} keys; it must be a new, empty store`,
      );
    }
    count('keySets', !existing);
  }
  // APIs before clients: clients name the APIs they may use.
  for (const api of await from.apis.list()) {
    count(
      'apis',
      await copyOne('API', api.audience, api, to.apis.get(api.audience), () => to.apis.create(api)),
    );
  }
  for (const client of await from.clients.list()) {
    const existing = to.clients.get(client.clientId);
    count(
      'clients',
      await copyOne('client', client.clientId, client, existing, () => to.clients.create(client)),
    );
  }
  for (const account of await from.accounts.list()) {
    const existing = to.accounts.get(account.id);
    count(
      'accounts',
      await copyOne('user', account.username, account, existing, () => to.accounts.create(account)),
    );
  }
  return report;
}

// Writes `record` unless the target has it already; answers whether it wrote.
async function copyOne<T>(
  what: string,
  name: string,
  record: T,
  existing: Promise<T | undefined>,
  create: () => Promise<void>,
): Promise<boolean> {
  const found = await existing;
  if (found === undefined) {
    await create();
    return true;
  }
  if (!sameJson(withoutVersion(found), withoutVersion(record))) {
    throw new ValidationError(
      'to',
      `the target already has a different ${what} "${name}"; nothing was overwritten`,
    );
  }
  return false;
}

// A record's version counts its writes in one store: a copy starts again at 1, so it is no difference.
function withoutVersion(record: unknown): unknown {
  if (!record || typeof record !== 'object') return record;
  const { version: _version, ...rest } = record as Record<string, unknown>;
  return rest;
}

// Equality of JSON data regardless of key order.
function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, member]) => member !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
