// `sso store …`: the store itself: its schema, and moving what lasts to another store.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/sqlite-store.ts';
import type { Store } from '../../adapters/store.ts';
import { ValidationError } from '../errors.ts';
import {
  MASTER_KEY_FILE,
  masterKeyFrom,
  readMasterKeyFile,
  writeKeyFile,
  type MasterKey,
} from '../keys/master-key.ts';
import { sealSecrets, Sealer } from '../keys/secrets-at-rest.ts';
import { copyDurableRecords } from '../store-copy.ts';
import { AuditLog } from '../audit/audit.ts';
import { backup, restore } from '../backup/backup.ts';
import { backupLocation } from '../backup/locations.ts';
import { loadConfig, type Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { openStore } from '../store.ts';
import { cliActor } from './cli.ts';
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

const backupCommand: Command = {
  storeOnly: true,
  name: 'backup',
  args: [],
  required: '--to TARGET',
  summary: 'back up users, clients, APIs, keys and the audit log',
  options: {
    to: {
      type: 'string',
      value: 'TARGET',
      help: 'a directory, or s3://bucket/prefix; the backup goes into a new folder named after the time',
    },
  },
  notes: [
    'Writes records.enc (users with password hashes, clients with secrets, APIs, signing and cookie',
    'keys: gzipped JSON encrypted with AES-256-GCM under a key derived from the master key),',
    'audit.jsonl (the audit log, which holds no secrets) and, last, manifest.json (what is in it',
    "and each file's SHA-256). Sessions and tokens are not backed up. Keep the master key",
    '(SSO_MASTER_KEY, or master.key of the embedded store) apart from the backups: restoring needs it.',
    "S3 uses the AWS SDK's default credentials (the instance role on EC2, or AWS_* variables) and",
    'AWS_REGION; SSO_S3_ENDPOINT names an S3-compatible endpoint instead.',
  ],
  async run(args, context) {
    const target = args.string('to')?.trim();
    if (!target) throw new UsageError('backup needs --to TARGET (see "sso store backup --help")');
    const { store, masterKey } = await context.services();
    const to = await backupLocation(target, context.env, 'to');
    const { location, manifest } = await backup(store, masterKey, to);
    await context.record({
      type: 'store.backup',
      details: { to: location.name, ...manifest.counts },
    });
    if (context.json) return printJson({ location: location.name, ...manifest });
    const { accounts, clients, apis, keySets, auditEvents } = manifest.counts;
    print(
      `Backed up ${accounts} users, ${clients} clients, ${apis} APIs, ${keySets} key sets and ${auditEvents} audit events to ${location.name}`,
    );
    print(`Restoring it needs master key ${masterKey.id}.`);
  },
};

const restoreCommand: Command = {
  storeOnly: true,
  name: 'restore',
  args: [],
  required: '--from BACKUP',
  summary: 'restore a backup into a new, empty store',
  options: {
    from: {
      type: 'string',
      value: 'BACKUP',
      help: 'the backup folder that "store backup" printed (a directory or s3://bucket/prefix/…)',
    },
  },
  notes: [
    'Restores into the configured store (SSO_DATA_DIR, or MONGODB_URI), which must be new: a record',
    'it holds differently stops the restore and nothing is overwritten (an interrupted restore can',
    'be run again). Needs the master key the backup was made with, as SSO_MASTER_KEY or',
    'SSO_MASTER_KEY_FILE; an embedded store gets it as its master.key. Do not start SSO on the',
    'store before restoring: its first start creates keys and system clients of its own.',
  ],
  async run(args, context) {
    const source = args.string('from')?.trim();
    if (!source)
      throw new UsageError('restore needs --from BACKUP (see "sso store restore --help")');
    const from = await backupLocation(source, context.env, 'from');
    const config = loadConfig({ SSO_LOG_LEVEL: 'warn', ...context.env });
    const log = createLogger(config.logLevel, (line) => process.stderr.write(line), {
      auditByLevel: true,
    });
    const masterKey = await restoreKey(config);
    const raw = await openStore(config, log);
    try {
      const report = await restore(sealSecrets(raw, new Sealer(masterKey)), masterKey, from, () =>
        raw.backend === 'sqlite' ? shareMasterKey(config.dataDir, masterKey) : Promise.resolve(),
      );
      const audit = new AuditLog(raw, log, config.auditRetention);
      await audit.record({
        type: 'store.restore',
        actor: cliActor(),
        details: { from: from.name, ...report.copied, auditEvents: report.auditEvents },
      });
      if (context.json) return printJson(report);
      const { accounts, clients, apis, keySets } = report.copied;
      print(
        `Restored ${accounts} users, ${clients} clients, ${apis} APIs, ${keySets} key sets and ${report.auditEvents} audit events from ${from.name}` +
          (report.alreadyThere ? ` (${report.alreadyThere} were already there).` : '.'),
      );
    } finally {
      await raw.close();
    }
  },
};

// The master key a restore seals with: the configured one; none is made up.
async function restoreKey(config: Readonly<Config>): Promise<MasterKey> {
  if (config.masterKey !== undefined) return masterKeyFrom(config.masterKey);
  if (config.masterKeyFile !== undefined) {
    return masterKeyFrom(await readFile(config.masterKeyFile, 'utf8'), 'SSO_MASTER_KEY_FILE');
  }
  const file = await readMasterKeyFile(join(config.dataDir, MASTER_KEY_FILE));
  if (!config.mongodbUri && file) return file;
  throw new ValidationError(
    'SSO_MASTER_KEY',
    'restore needs the master key the backup was made with: set SSO_MASTER_KEY or SSO_MASTER_KEY_FILE',
  );
}

/** The `store` group. */
export const storeCommands: CommandGroup = {
  name: 'store',
  summary: 'the store: schema, copying to another store, backup and restore',
  commands: [migrate, copy, backupCommand, restoreCommand],
};
