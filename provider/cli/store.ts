// `sso store …`: the store itself: its schema, and moving what lasts to another store.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import type { Store } from '../../adapters/store.ts';
import { ValidationError } from '../errors.ts';
import {
  MASTER_KEY_FILE,
  masterKeyFrom,
  writeKeyFile,
  type MasterKey,
} from '../keys/master-key.ts';
import { sealSecrets, Sealer } from '../keys/secrets-at-rest.ts';
import { copyDurableRecords } from '../store-copy.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { print, printJson } from './output.ts';

const migrate: Command = {
  storeOnly: true,
  name: 'migrate',
  args: [],
  summary: 'create or update tables, collections and indexes',
  options: {},
  notes: [
    'Idempotent; the service also runs it when it starts. Run it on its own before starting new',
    'instances when you want schema changes to happen at a moment of your choosing.',
  ],
  async run(_args, context) {
    // Opening the services opens the configured store, which migrates it.
    const { store } = await context.services();
    await store.migrate();
    if (context.json) return printJson({ migrated: store.backend });
    print(`The ${store.backend === 'mongodb' ? 'MongoDB' : 'embedded'} store is up to date.`);
  },
};

const copy: Command = {
  storeOnly: true,
  name: 'copy',
  args: [],
  required: '--to TARGET',
  summary: 'copy users, clients, APIs and keys to another store',
  options: {
    to: {
      type: 'string',
      value: 'TARGET',
      help: 'a mongodb:// or mongodb+srv:// URI, or the data directory of an embedded store',
    },
  },
  notes: [
    'Copies from the configured store (SSO_DATA_DIR, or MONGODB_URI when set) into TARGET:',
    'accounts with their password hashes, clients with their secrets, APIs, and the signing and',
    'cookie keys, so relying parties keep working. Sessions and tokens are not copied: people sign',
    'in again. Records TARGET already holds identically are skipped, so an interrupted copy can be',
    'run again; a record it holds differently stops the copy and nothing is overwritten.',
    'Secrets stay sealed with the same master key: an embedded TARGET gets the key file too; a',
    'MongoDB TARGET needs SSO_MASTER_KEY set to it (the content of master.key in the data',
    'directory, when the source is the embedded store).',
  ],
  async run(args, context) {
    const target = args.string('to');
    if (!target?.trim())
      throw new UsageError('copy needs --to TARGET (see "sso store copy --help")');
    const { store: source, log, masterKey } = await context.services();
    const destination = await openTarget(target.trim(), log);
    try {
      await destination.migrate();
      if (destination.backend === 'sqlite') await shareMasterKey(target.trim(), masterKey);
      const sealed = sealSecrets(destination, new Sealer(masterKey));
      const report = await copyDurableRecords(source, sealed);
      await context.record({
        type: 'store.copy',
        details: { to: destination.backend, ...report.copied, alreadyThere: report.alreadyThere },
      });
      if (context.json) return printJson(report);
      const { accounts, clients, apis, keySets } = report.copied;
      print(
        `Copied ${accounts} users, ${clients} clients, ${apis} APIs and ${keySets} key sets to the ${destination.backend === 'mongodb' ? 'MongoDB' : 'embedded'} store` +
          (report.alreadyThere ? ` (${report.alreadyThere} were already there).` : '.'),
      );
      if (destination.backend === 'mongodb') {
        print(
          `Its secrets are sealed with master key ${masterKey.id}: run SSO on it with SSO_MASTER_KEY set to that key.`,
        );
      }
    } finally {
      await destination.close();
    }
  },
};

// An embedded target gets the source's master key file; one with a key of its own is not new.
async function shareMasterKey(dataDir: string, masterKey: MasterKey): Promise<void> {
  const path = join(dataDir, MASTER_KEY_FILE);
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing === undefined) {
    await writeKeyFile(path, masterKey.key.toString('base64url'));
    return;
  }
  const id = masterKeyFrom(existing, path).id;
  if (id !== masterKey.id) {
    throw new ValidationError(
      'to',
      `the target has a master key of its own (${id}); it must be a new, empty store`,
    );
  }
}

async function openTarget(target: string, log: { warn(message: string): void }): Promise<Store> {
  if (/^mongodb(\+srv)?:\/\//.test(target)) {
    const { openMongoStore } = await import('../../adapters/mongodb/mongodb-store.ts');
    return openMongoStore(target, { log });
  }
  return openSqliteStore(target, { log, lockWaitMs: 10_000 });
}

/** The `store` group. */
export const storeCommands: CommandGroup = {
  name: 'store',
  summary: 'the store: schema and copying to another store',
  commands: [migrate, copy],
};
