// The master key: 32 random bytes that encrypt private keys and client secrets at rest (see
// secrets-at-rest.ts). Where it comes from, in order:
// - SSO_MASTER_KEY (base64 or base64url), or the file SSO_MASTER_KEY_FILE names (Docker/Kubernetes
//   secrets);
// - for the embedded store only, `master.key` in the data directory, created (0600) on first start.
// MongoDB needs one of the first two: every instance must use the same key.
// A store whose secrets were sealed with another key, or sealed while the key file has since gone
// missing, stops start-up with one line instead of failing on the first sign-in.
import { createHmac, randomBytes } from 'node:crypto';
import { chmod, link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../adapters/store.ts';
import { ConfigError, type Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { sealedKeyIdOf } from './secrets-at-rest.ts';

/** The file that holds the embedded store's master key, in the data directory. */
export const MASTER_KEY_FILE = 'master.key';

/** A master key and its id (which sealed values carry, so that a wrong key is recognised). */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/** The master key made from its text (base64 or base64url of 32 bytes); ConfigError otherwise. */
export function masterKeyFrom(text: string, variable = 'SSO_MASTER_KEY'): MasterKey {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32 || !/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    throw new ConfigError(
      variable,
      'must be 32 random bytes in base64 (make one with "npm run sso -- keys master-key")',
    );
  }
  return {
    id: createHmac('sha256', key).update('sso master key id').digest('base64url').slice(0, 11),
    key,
  };
}

/** A new random master key, as text for SSO_MASTER_KEY. */
export function newMasterKeyText(): string {
  return randomBytes(32).toString('base64url');
}

/** The master key and, when it lives in the embedded store's key file, that file. */
export interface ResolvedMasterKey {
  key: MasterKey;
  /** The data directory's key file, which `sso keys rewrap` replaces; absent for configured keys. */
  file?: string;
  /** The key of a rewrap that was interrupted (`master.key.next`), which may have sealed some. */
  interrupted?: MasterKey;
}

/** Where `sso keys rewrap` keeps the new key of the key file until every secret is sealed with it. */
export function nextKeyFile(file: string): string {
  return `${file}.next`;
}

/**
 * The master key for `store` under `config`, creating the embedded store's key file on first
 * start (unless `create` is false); ConfigError when there is none to be had or it does not open
 * the store's secrets.
 */
export async function resolveMasterKey(
  config: Readonly<Config>,
  store: Store,
  log: Logger,
  { create = true }: { create?: boolean } = {},
): Promise<ResolvedMasterKey> {
  const sealedWith = await sealedKeyIdOf(store);
  const resolved = await configuredKey(config, store, sealedWith, log, create);
  if (resolved.file) {
    const interrupted = await readMasterKeyFile(nextKeyFile(resolved.file));
    if (interrupted) {
      log.warn('a master key rewrap was interrupted; finish it with "sso keys rewrap --resume"', {
        file: nextKeyFile(resolved.file),
      });
      resolved.interrupted = interrupted;
      if (sealedWith === interrupted.id) return resolved;
    }
  }
  if (sealedWith !== undefined && sealedWith !== resolved.key.id) {
    throw new ConfigError(
      'SSO_MASTER_KEY',
      `does not open this store's secrets (they are sealed with master key ${sealedWith}; this is ${resolved.key.id}): use the key the store was set up with`,
    );
  }
  return resolved;
}

/** The key in the key file at `path` now, if it can be read. */
export async function readMasterKeyFile(path: string): Promise<MasterKey | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : masterKeyFrom(text, path);
}

async function configuredKey(
  config: Readonly<Config>,
  store: Store,
  sealedWith: string | undefined,
  log: Logger,
  create: boolean,
): Promise<ResolvedMasterKey> {
  if (config.masterKey !== undefined) return { key: masterKeyFrom(config.masterKey) };
  if (config.masterKeyFile !== undefined) {
    const text = await readKeyFile(config.masterKeyFile, 'SSO_MASTER_KEY_FILE');
    return { key: masterKeyFrom(text, 'SSO_MASTER_KEY_FILE') };
  }
  if (store.backend !== 'sqlite') {
    throw new ConfigError(
      'SSO_MASTER_KEY',
      'is required with MONGODB_URI (or SSO_MASTER_KEY_FILE): every instance must use the same key; make one with "npm run sso -- keys master-key"',
    );
  }
  const path = join(config.dataDir, MASTER_KEY_FILE);
  const existing = await readFile(path, 'utf8').catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return undefined;
    throw new ConfigError(
      'SSO_MASTER_KEY',
      `is not set and ${path} cannot be read (${error.code})`,
    );
  });
  if (existing !== undefined) return { key: masterKeyFrom(existing, path), file: path };
  if (sealedWith !== undefined) {
    throw new ConfigError(
      'SSO_MASTER_KEY',
      `is not set and ${path} is missing, but this store's secrets are sealed (master key ${sealedWith}): restore the key file or set SSO_MASTER_KEY`,
    );
  }
  const text = newMasterKeyText();
  // Nothing is sealed yet and nothing may be written: a key of this process's own will do.
  if (!create) return { key: masterKeyFrom(text) };
  await writeKeyFile(path, text);
  log.info('master key created for the embedded store', { path });
  // Another process may have created it at the same moment: the file on disk is the key.
  return { key: masterKeyFrom(await readFile(path, 'utf8'), path), file: path };
}

/**
 * Writes `text` as the key file at `path` (0600). The file appears whole, in one step: another
 * process starting at the same moment reads either no file or the whole key, never an empty one.
 * Without `replace`, an existing file is kept (the first process to create it wins); with it, the
 * file is replaced.
 */
export async function writeKeyFile(path: string, text: string, replace = false): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${text}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temporary, 0o600);
    if (replace) {
      await rename(temporary, path);
      return;
    }
    // A hard link is created only where no file is: the key appears with its content, once.
    await link(temporary, path).catch((error: { code?: string }) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readKeyFile(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      variable,
      `names a file that cannot be read (${(error as { code?: string }).code})`,
    );
  }
}
