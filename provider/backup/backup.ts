// Backups: a consistent export of what lasts (users with their password hashes, clients with their
// secrets, APIs, signing and cookie keys) encrypted with a key derived from the master key, with
// the audit log beside it as JSON lines (which never hold a secret), and a manifest written last
// that names the files and their SHA-256. Restoring into a new, empty store gives a working SSO
// that still verifies the tokens it had issued (same keys, same clients). Sessions, grants and
// refresh tokens are not in a backup: people sign in again.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type {
  AccountRecords,
  ApiRecords,
  AuditEvent,
  ClientRecords,
  KeySet,
  KeySetKind,
  KeySetRecords,
  Store,
} from '../../adapters/store.ts';
import { StoreConflictError } from '../../adapters/store.ts';
import { ValidationError } from '../errors.ts';
import type { MasterKey } from '../keys/master-key.ts';
import { copyDurableRecords, type CopyReport } from '../store-copy.ts';
import type { BackupLocation } from './locations.ts';

const FORMAT = 'sso-backup';
const VERSION = 1;
const RECORDS = 'records.enc';
const AUDIT = 'audit.jsonl';
const MANIFEST = 'manifest.json';
const KINDS: KeySetKind[] = ['signing', 'cookie'];

/** What a backup holds, as its manifest says. */
export interface Manifest {
  format: typeof FORMAT;
  version: number;
  createdAt: string;
  /** The store it was made from. */
  backend: string;
  /** The id of the master key that opens it (never the key). */
  masterKeyId: string;
  counts: { accounts: number; clients: number; apis: number; keySets: number; auditEvents: number };
  /** SHA-256 (hex) of each file. */
  files: Record<string, string>;
}

interface Records {
  keySets: KeySet[];
  apis: Awaited<ReturnType<ApiRecords['list']>>;
  clients: Awaited<ReturnType<ClientRecords['list']>>;
  accounts: Awaited<ReturnType<AccountRecords['list']>>;
}

/**
 * Exports `store` (opened with its secrets readable: the sealed view) into a new folder of `to`
 * named after the time; answers that folder and the manifest. Consistent across record kinds: the
 * key sets are read before and after the rest, and the export is redone when they changed.
 */
export async function backup(
  store: Store,
  masterKey: MasterKey,
  to: BackupLocation,
  now = new Date(),
): Promise<{ location: BackupLocation; manifest: Manifest }> {
  const records = await consistentRead(store);
  const audit = await auditEvents(store);
  const location = to.child(now.toISOString().replace(/[:.]/g, '-'));
  const sealed = await seal(masterKey, Buffer.from(JSON.stringify(records)));
  const lines = Buffer.from(audit.map((event) => `${JSON.stringify(event)}\n`).join(''));
  await location.put(RECORDS, sealed);
  await location.put(AUDIT, lines);
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    createdAt: now.toISOString(),
    backend: store.backend,
    masterKeyId: masterKey.id,
    counts: {
      accounts: records.accounts.length,
      clients: records.clients.length,
      apis: records.apis.length,
      keySets: records.keySets.length,
      auditEvents: audit.length,
    },
    files: { [RECORDS]: sha256(sealed), [AUDIT]: sha256(lines) },
  };
  // Last: a folder with a manifest is a complete backup.
  await location.put(MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return { location, manifest };
}

/** What a restore wrote. */
export interface RestoreReport extends CopyReport {
  auditEvents: number;
  manifest: Manifest;
}

/**
 * Restores the backup at `from` into `store` (the sealed view: secrets are sealed again as they
 * are written). The store must be new: a record it holds differently stops the restore, and a
 * restore that stopped half-way can be run again.
 */
export async function restore(
  store: Store,
  masterKey: MasterKey,
  from: BackupLocation,
  /** Runs once the backup is known to open with `masterKey`, before anything is written. */
  prepare: () => Promise<void> = async () => {},
): Promise<RestoreReport> {
  const manifest = await readManifest(from);
  if (manifest.masterKeyId !== masterKey.id) {
    throw new ValidationError(
      'from',
      `the backup was made with master key ${manifest.masterKeyId}, and this is ${masterKey.id}: set SSO_MASTER_KEY to the key of the store it was made from`,
    );
  }
  const sealed = await checkedFile(from, RECORDS, manifest);
  const records = JSON.parse((await open(masterKey, sealed)).toString('utf8')) as Records;
  await prepare();
  const report = await copyDurableRecords(snapshotStore(records), store);
  const lines = (await checkedFile(from, AUDIT, manifest)).toString('utf8').split('\n');
  let auditEvents = 0;
  for (const line of lines) {
    if (!line) continue;
    try {
      await store.audit.append(JSON.parse(line) as AuditEvent);
      auditEvents++;
    } catch (error) {
      // Restored already by an earlier, interrupted run.
      if (!(error instanceof StoreConflictError)) throw error;
    }
  }
  return { ...report, auditEvents, manifest };
}

async function consistentRead(store: Store): Promise<Records> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const keySets = await readKeySets(store);
    const apis = await store.apis.list();
    const clients = await store.clients.list();
    const accounts = await store.accounts.list();
    const after = await readKeySets(store);
    if (after.map((set) => set.version).join() === keySets.map((set) => set.version).join()) {
      return { keySets, apis, clients, accounts };
    }
  }
  throw new ValidationError('store', 'the keys kept changing during the backup; try again');
}

async function readKeySets(store: Store): Promise<KeySet[]> {
  const sets: KeySet[] = [];
  for (const kind of KINDS) {
    const set = await store.keySets.get(kind);
    if (set) sets.push(set);
  }
  return sets;
}

async function auditEvents(store: Store): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let before: { time: number; id: string } | undefined;
  for (;;) {
    const page = await store.audit.list({ limit: 1000, ...(before ? { before } : {}) });
    events.push(...page);
    const last = page[page.length - 1];
    if (page.length < 1000 || !last) return events.reverse();
    before = { time: last.time, id: last.id };
  }
}

// The records of a backup as the source side of copyDurableRecords.
function snapshotStore(records: Records): Store {
  const keySets: Pick<KeySetRecords, 'get'> = {
    get: async (kind) => records.keySets.find((set) => set.kind === kind),
  };
  return {
    keySets,
    apis: { list: async () => records.apis },
    clients: { list: async () => records.clients },
    accounts: { list: async () => records.accounts },
  } as unknown as Store;
}

async function readManifest(from: BackupLocation): Promise<Manifest> {
  const text = await from.get(MANIFEST);
  if (!text) {
    throw new ValidationError(
      'from',
      `no backup at ${from.name} (no ${MANIFEST}: incomplete, or not a backup folder)`,
    );
  }
  const manifest = JSON.parse(text.toString('utf8')) as Manifest;
  if (manifest.format !== FORMAT || manifest.version !== VERSION) {
    throw new ValidationError('from', `${from.name} is not an SSO backup of version ${VERSION}`);
  }
  return manifest;
}

async function checkedFile(
  from: BackupLocation,
  file: string,
  manifest: Manifest,
): Promise<Buffer> {
  const data = await from.get(file);
  if (!data || sha256(data) !== manifest.files[file]) {
    throw new ValidationError(
      'from',
      `${from.name}/${file} is missing or damaged (its SHA-256 differs from the manifest's)`,
    );
  }
  return data;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// AES-256-GCM with a key derived (HKDF-SHA256, random salt) from the master key; the content is
// gzipped first. Layout: "SSOB1" | salt (16) | iv (12) | tag (16) | ciphertext.
const MAGIC = Buffer.from('SSOB1');

function derive(masterKey: MasterKey, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey.key, salt, 'sso backup v1', 32));
}

async function seal(masterKey: MasterKey, plain: Buffer): Promise<Buffer> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derive(masterKey, salt), iv);
  cipher.setAAD(MAGIC);
  const body = Buffer.concat([cipher.update(await promisify(gzip)(plain)), cipher.final()]);
  return Buffer.concat([MAGIC, salt, iv, cipher.getAuthTag(), body]);
}

async function open(masterKey: MasterKey, sealed: Buffer): Promise<Buffer> {
  if (!sealed.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ValidationError('from', 'the records file is not an SSO backup');
  }
  let at = MAGIC.length;
  const take = (length: number) => sealed.subarray(at, (at += length));
  const salt = take(16);
  const iv = take(12);
  const tag = take(16);
  const decipher = createDecipheriv('aes-256-gcm', derive(masterKey, salt), iv);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  try {
    const zipped = Buffer.concat([decipher.update(sealed.subarray(at)), decipher.final()]);
    return await promisify(gunzip)(zipped);
  } catch {
    throw new ValidationError('from', 'the records cannot be opened with this master key');
  }
}
