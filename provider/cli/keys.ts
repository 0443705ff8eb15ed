// `sso keys …`: the signing keys every instance shares. Shows ids, algorithms, states and times,
// never key material.
import type { StoredKey } from '../../adapters/store.ts';
import { formatDuration } from '../durations.ts';
import { keyState, rotateSigningKeys } from '../keys/signing-keys.ts';
import { maxSignedTokenLifetime } from '../oidc/ttl.ts';
import { masterKeyFrom, newMasterKeyText } from '../keys/master-key.ts';
import { duration, exclusive } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { readStdinLine } from './terminal.ts';
import { humanTime, isoTime, print, printJson, printTable, warn } from './output.ts';

/** Default delay between publishing new keys and signing with them: relying parties cache JWKS. */
const DEFAULT_ACTIVATE_AFTER = 3600;

function algOf(key: StoredKey): string {
  return typeof key.jwk.alg === 'string' ? key.jwk.alg : '-';
}

/** A signing key as the CLI shows it: no key material. */
export function keyView(key: StoredKey, now: number) {
  return {
    kid: key.kid,
    alg: algOf(key),
    state: keyState(key, now),
    createdAt: isoTime(key.createdAt),
    activatesAt: isoTime(key.activatesAt),
    retiresAt: isoTime(key.retiresAt),
    expiresAt: isoTime(key.expiresAt),
  };
}

function printKeys(keys: readonly StoredKey[], now: number): void {
  printTable(
    ['kid', 'alg', 'state', 'activates', 'retires', 'expires'],
    [...keys]
      .sort((a, b) => a.activatesAt - b.activatesAt || algOf(a).localeCompare(algOf(b)))
      .map((key) => [
        key.kid,
        algOf(key),
        keyState(key, now),
        humanTime(key.activatesAt),
        humanTime(key.retiresAt),
        humanTime(key.expiresAt),
      ]),
    'No signing keys.',
  );
}

const listKeys: Command = {
  readOnly: true,
  name: 'list',
  args: [],
  summary: 'list the signing keys and their states',
  options: {},
  notes: [
    'States: pending (published, not signing yet), active (signing), retired (published so that',
    'tokens it signed still verify), expired (no longer published; dropped at the next rotation).',
  ],
  async run(_args, context) {
    const { store } = await context.services();
    const keys = (await store.keySets.get('signing'))?.keys ?? [];
    const now = Date.now();
    if (context.json) return printJson(keys.map((key) => keyView(key, now)));
    printKeys(keys, now);
  },
};

const rotate: Command = {
  name: 'rotate',
  args: [],
  summary: 'publish new signing keys, retire the current ones',
  options: {
    'activate-after': {
      type: 'string',
      value: 'DURATION',
      help: `how long the new keys are published before they sign (default ${formatDuration(DEFAULT_ACTIVATE_AFTER)}; 0 for an emergency)`,
    },
  },
  notes: [
    'New keys (one per algorithm) are published at once and start signing after --activate-after,',
    'so relying parties that cache the JWKS learn them first. The current keys retire then and stay',
    'published until every token they signed has expired (the longest ID token, access token or',
    'API token lifetime). Running servers pick the change up by themselves.',
  ],
  async run(args, context) {
    const value = args.string('activate-after');
    const activateAfter =
      value === undefined ? DEFAULT_ACTIVATE_AFTER : duration('activate-after', value);
    const { store, apis, config } = await context.services();
    const apiTtls = (await apis.list()).map((api) => api.accessTokenTtl);
    const maxTokenLifetime = maxSignedTokenLifetime(config.ttl, apiTtls);
    const before = new Set((await store.keySets.get('signing'))?.keys.map((key) => key.kid));
    const set = await rotateSigningKeys(store, { activateAfter, maxTokenLifetime });
    const now = Date.now();
    const added = set.keys.filter((key) => !before.has(key.kid));
    await context.record({
      type: 'keys.rotate',
      details: { added: added.map((key) => key.kid).join(' '), activateAfter },
    });
    const activatesAt = added[0]?.activatesAt ?? now + activateAfter * 1000;
    const retiring = set.keys.filter((key) => key.retiresAt === activatesAt);
    if (activateAfter === 0) {
      warn(
        'the new keys sign at once; relying parties that cached the JWKS may reject their tokens until they fetch it again',
      );
    }
    if (context.json) {
      return printJson({
        activateAfter,
        activatesAt: isoTime(activatesAt),
        maxTokenLifetime,
        added: added.map((key) => key.kid),
        retiring: retiring.map((key) => key.kid),
        keys: set.keys.map((key) => keyView(key, now)),
      });
    }
    const names = (keys: StoredKey[]) =>
      keys.map((key) => `${key.kid} (${algOf(key)})`).join(', ') || 'none';
    print(`New keys ${names(added)} are published now and sign from ${humanTime(activatesAt)}.`);
    if (retiring.length) {
      print(
        `Keys ${names(retiring)} retire then and stay published until ${humanTime(activatesAt + maxTokenLifetime * 1000)} (longest token lifetime ${formatDuration(maxTokenLifetime)}).`,
      );
    }
    print();
    printKeys(set.keys, now);
  },
};

const masterKey: Command = {
  name: 'master-key',
  args: [],
  summary: 'print a new random master key (for SSO_MASTER_KEY)',
  options: {},
  notes: [
    'The master key seals private keys and client secrets in the store. The embedded store makes',
    'its own (master.key in the data directory); MongoDB needs SSO_MASTER_KEY, the same on every',
    'instance. Keep it apart from the database and its backups.',
  ],
  async run(_args, context) {
    const key = newMasterKeyText();
    if (context.json) return printJson({ masterKey: key, id: masterKeyFrom(key).id });
    print(key);
  },
};

const rewrap: Command = {
  name: 'rewrap',
  args: [],
  summary: 'seal every secret with a new master key',
  options: {
    generate: {
      type: 'boolean',
      help: 'make the new key (printed once unless it goes to the key file)',
    },
    'new-key-stdin': { type: 'boolean', help: 'read the new key from the first line of stdin' },
    resume: {
      type: 'boolean',
      help: "finish an interrupted rewrap of the data directory's master.key",
    },
  },
  notes: [
    'Opens every private key and client secret with the current key (SSO_MASTER_KEY,',
    "SSO_MASTER_KEY_FILE or the data directory's master.key) and seals it with the new one. With",
    "the embedded store's master.key, the new key replaces it and running servers adopt it by",
    'themselves. With SSO_MASTER_KEY or SSO_MASTER_KEY_FILE, set the new key everywhere and restart',
    'the instances: until then they cannot open the secrets. Run again with the same new key to',
    'finish an interrupted rewrap.',
  ],
  async run(args, context) {
    exclusive(args, 'generate', 'new-key-stdin', 'resume');
    if (!args.flag('generate') && !args.flag('new-key-stdin') && !args.flag('resume')) {
      throw new UsageError(
        'say --generate, --new-key-stdin or --resume (see "sso keys rewrap --help")',
      );
    }
    let text: string;
    if (args.flag('resume')) {
      const interrupted = (await context.services()).interruptedRewrap;
      if (!interrupted) throw new UsageError('there is no interrupted rewrap to resume');
      text = interrupted.key.toString('base64url');
    } else if (args.flag('new-key-stdin')) {
      const line = await readStdinLine();
      if (line === undefined) throw new UsageError('--new-key-stdin was given but stdin is empty');
      text = line;
    } else {
      text = newMasterKeyText();
    }
    const newKey = masterKeyFrom(text, 'the new master key');
    const services = await context.services();
    const { config } = services;
    const inFile = config.masterKey === undefined && config.masterKeyFile === undefined;
    const shown = args.flag('generate') && !inFile;
    if (newKey.id === services.masterKey.id) {
      throw new UsageError('the new master key is the current one');
    }
    // A generated key that does not go to the key file is shown before anything is sealed with it.
    if (shown && !context.json) {
      print(`New master key (shown once; set SSO_MASTER_KEY to it everywhere): ${text}`);
    }
    const changed = await services.rewrapSecrets(newKey);
    await context.record({
      type: 'keys.rewrap',
      details: { from: services.masterKey.id, to: newKey.id, records: changed },
    });
    if (context.json) {
      return printJson({
        from: services.masterKey.id,
        to: newKey.id,
        records: changed,
        ...(shown ? { masterKey: text } : {}),
      });
    }
    print(
      `Sealed ${changed} records with master key ${newKey.id} (was ${services.masterKey.id}).` +
        (inFile ? ' The key file now holds the new key.' : ' Restart every instance with it.'),
    );
  },
};

/** The `keys` group. */
export const keyCommands: CommandGroup = {
  name: 'keys',
  summary: 'signing keys shared by every instance, and the master key sealing secrets',
  commands: [listKeys, rotate, masterKey, rewrap],
};
