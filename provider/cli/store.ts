// `sso store …`: the store itself: its schema, and moving what lasts to another store.
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import type { Store } from '../../adapters/store.ts';
import { copyDurableRecords } from '../store-copy.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { print, printJson } from './output.ts';

const migrate: Command = {
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
  ],
  async run(args, context) {
    const target = args.string('to');
    if (!target?.trim())
      throw new UsageError('copy needs --to TARGET (see "sso store copy --help")');
    const { store: source, log } = await context.services();
    const destination = await openTarget(target.trim(), log);
    try {
      await destination.migrate();
      const report = await copyDurableRecords(source, destination);
      if (context.json) return printJson(report);
      const { accounts, clients, apis, keySets } = report.copied;
      print(
        `Copied ${accounts} users, ${clients} clients, ${apis} APIs and ${keySets} key sets to the ${destination.backend === 'mongodb' ? 'MongoDB' : 'embedded'} store` +
          (report.alreadyThere ? ` (${report.alreadyThere} were already there).` : '.'),
      );
    } finally {
      await destination.close();
    }
  },
};

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
