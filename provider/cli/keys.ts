// `sso keys …`: the signing keys every instance shares. Shows ids, algorithms, states and times,
// never key material.
import type { StoredKey } from '../../adapters/store.ts';
import { formatDuration } from '../durations.ts';
import { keyState, rotateSigningKeys } from '../keys/signing-keys.ts';
import { maxSignedTokenLifetime } from '../oidc/ttl.ts';
import { duration } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
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

/** The `keys` group. */
export const keyCommands: CommandGroup = {
  name: 'keys',
  summary: 'signing keys shared by every instance',
  commands: [listKeys, rotate],
};
