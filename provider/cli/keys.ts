// `sso keys …`: the signing keys every instance shares. Shows ids, algorithms, states and times,
// never key material.
import type { KeyView } from '../administration/views.ts';
import { formatDuration } from '../durations.ts';
import { DEFAULT_ACTIVATE_AFTER } from '../keys/key-management.ts';
import { masterKeyFrom, newMasterKeyText } from '../keys/master-key.ts';
import { duration, exclusive } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { readStdinLine } from './terminal.ts';
import { humanTime, print, printJson, printTable, warn } from './output.ts';

const time = (iso: string | undefined) =>
  humanTime(iso === undefined ? undefined : Date.parse(iso));

function printKeys(keys: readonly KeyView[]): void {
  printTable(
    ['kid', 'alg', 'state', 'activates', 'retires', 'expires'],
    keys.map((key) => [
      key.kid,
      key.alg,
      key.state,
      time(key.activatesAt),
      time(key.retiresAt),
      time(key.expiresAt),
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
    const keys = await (await context.admin()).keys.list();
    if (context.json) return printJson(keys);
    printKeys(keys);
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
    const rotation = await (await context.admin()).keys.rotate(activateAfter);
    if (activateAfter === 0) {
      warn(
        'the new keys sign at once; relying parties that cached the JWKS may reject their tokens until they fetch it again',
      );
    }
    if (context.json) return printJson(rotation);
    const byKid = new Map(rotation.keys.map((key) => [key.kid, key]));
    const names = (kids: string[]) =>
      kids.map((kid) => `${kid} (${byKid.get(kid)?.alg ?? '-'})`).join(', ') || 'none';
    const activatesAt = Date.parse(rotation.activatesAt);
    print(
      `New keys ${names(rotation.added)} are published now and sign from ${humanTime(activatesAt)}.`,
    );
    if (rotation.retiring.length) {
      print(
        `Keys ${names(rotation.retiring)} retire then and stay published until ${humanTime(activatesAt + rotation.maxTokenLifetime * 1000)} (longest token lifetime ${formatDuration(rotation.maxTokenLifetime)}).`,
      );
    }
    print();
    printKeys(rotation.keys);
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
  storeOnly: true,
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
