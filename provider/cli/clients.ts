// `sso clients …`: registered applications. A confidential client's secret is printed once, when it
// is created or rotated; nothing else ever shows it.
import type { ClientView, ClientWithSecretView } from '../administration/views.ts';
import {
  AUTH_METHODS,
  GRANT_TYPES,
  type ClientInput,
  type GrantTypeName,
} from '../clients/clients.ts';
import { SIGNING_ALGS } from '../keys/signing-keys.ts';
import { choice, exclusive } from './args.ts';
import type { Command, CommandContext, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { humanTime, list, print, printFields, printJson, printTable } from './output.ts';

const GRANT_NAMES = Object.keys(GRANT_TYPES) as GrantTypeName[];

function clientType(client: ClientView): string {
  return client.type === 'public'
    ? 'public'
    : `confidential (${client.authMethod ?? 'client_secret_basic'})`;
}

function printSecret(client: ClientWithSecretView, context: CommandContext, done: string): void {
  if (context.json) return printJson(client);
  print(done);
  printFields([
    ['client_id', client.clientId],
    ['client_secret', client.clientSecret],
  ]);
  if (client.clientSecret) {
    print();
    print('The client secret is shown only now and cannot be read back later: store it safely.');
    print(`If it is lost, "sso clients rotate-secret ${client.clientId}" issues a new one.`);
  }
}

// `--api-scope AUDIENCE=SCOPE`, repeated, as { audience: [scopes] } (split at the last `=`).
function apiScopesOf(values: string[]): Record<string, string[]> | undefined {
  if (values.length === 0) return undefined;
  const scopes: Record<string, string[]> = {};
  for (const value of values) {
    const at = value.lastIndexOf('=');
    if (at <= 0 || at === value.length - 1) {
      throw new UsageError(`--api-scope takes AUDIENCE=SCOPE (got "${value}")`);
    }
    (scopes[value.slice(0, at)] ??= []).push(value.slice(at + 1));
  }
  return scopes;
}

const add: Command = {
  name: 'add',
  args: [],
  required: '--name NAME (--confidential | --public)',
  summary: 'register a client (prints its secret once)',
  options: {
    id: { type: 'string', value: 'ID', help: 'client id (default: random)' },
    name: { type: 'string', value: 'NAME', help: 'display name (required)' },
    confidential: { type: 'boolean', help: 'a server-side app that keeps a secret' },
    public: { type: 'boolean', help: 'a browser, native or CLI app that cannot keep a secret' },
    native: { type: 'boolean', help: 'a native app (loopback and custom-scheme redirect URIs)' },
    grant: {
      type: 'string',
      multiple: true,
      value: 'GRANT',
      help: `grant type: ${GRANT_NAMES.join(', ')}`,
    },
    'redirect-uri': { type: 'string', multiple: true, value: 'URI', help: 'redirect URI' },
    'post-logout-redirect-uri': {
      type: 'string',
      multiple: true,
      value: 'URI',
      help: 'where to return after logout',
    },
    'backchannel-logout-uri': {
      type: 'string',
      value: 'URI',
      help: 'back-channel logout endpoint',
    },
    'first-party': { type: 'boolean', help: 'skip the consent page' },
    'require-mfa': { type: 'boolean', help: 'everyone signing in to it needs a second factor' },
    'insecure-redirect-uris': {
      type: 'boolean',
      help: 'development only: allow http redirect URIs on hosts other than loopback',
    },
    api: {
      type: 'string',
      multiple: true,
      value: 'AUDIENCE',
      help: 'an API (by audience) the client may get tokens for',
    },
    'api-scope': {
      type: 'string',
      multiple: true,
      value: 'AUDIENCE=SCOPE',
      help: 'limit the client to this scope of an --api (repeat for more; all its scopes without)',
    },
    'resource-server': {
      type: 'string',
      multiple: true,
      value: 'AUDIENCE',
      help: 'an API (by audience) this client serves: it may introspect tokens issued for it',
    },
    'auth-method': {
      type: 'string',
      value: 'METHOD',
      help: `confidential clients: ${AUTH_METHODS.join(' (default) or ')}`,
    },
    'id-token-alg': {
      type: 'string',
      value: 'ALG',
      help: `ID token signing algorithm: ${SIGNING_ALGS.join(' (default) or ')}`,
    },
  },
  notes: [
    'Exactly one of --confidential and --public is required. Without --grant, a client with',
    'redirect URIs gets authorization_code and refresh_token; a confidential client without',
    'them gets client_credentials. A public client without redirect URIs needs a --grant.',
    'Redirect URIs are matched exactly ("*" is refused) and must be https, except on loopback',
    '(localhost, 127.0.0.1, [::1]) or with --insecure-redirect-uris.',
  ],
  async run(args, context) {
    exclusive(args, 'confidential', 'public');
    if (!args.flag('confidential') && !args.flag('public')) {
      throw new UsageError('say --confidential or --public (see "sso clients add --help")');
    }
    const type = args.flag('public') ? 'public' : 'confidential';
    const name = args.string('name');
    if (name === undefined || name.trim() === '') {
      throw new UsageError('--name is required (see "sso clients add --help")');
    }
    const redirectUris = args.strings('redirect-uri');
    let grantTypes = args.strings('grant').map((grant) => choice('grant', grant, GRANT_NAMES));
    if (grantTypes.length === 0) {
      if (redirectUris.length) grantTypes = ['authorization_code', 'refresh_token'];
      else if (type === 'confidential') grantTypes = ['client_credentials'];
      else
        throw new UsageError(
          'a public client needs --redirect-uri or a --grant (e.g. device_code)',
        );
    }
    if (redirectUris.length && !grantTypes.includes('authorization_code')) {
      throw new UsageError('--redirect-uri needs the authorization_code grant');
    }
    const authMethod = args.string('auth-method');
    if (authMethod !== undefined && type === 'public') {
      throw new UsageError(
        '--auth-method is for confidential clients; a public client has no secret',
      );
    }
    const input: ClientInput = {
      name,
      type,
      native: args.flag('native'),
      grantTypes,
      redirectUris,
      postLogoutRedirectUris: args.strings('post-logout-redirect-uri'),
      firstParty: args.flag('first-party'),
      requireMfa: args.flag('require-mfa'),
      allowedApis: args.strings('api'),
      apiScopes: apiScopesOf(args.strings('api-scope')),
      resourceServerFor: args.strings('resource-server'),
      allowInsecureRedirectUris: args.flag('insecure-redirect-uris'),
    };
    const clientId = args.string('id');
    if (clientId !== undefined) input.clientId = clientId;
    const backchannel = args.string('backchannel-logout-uri');
    if (backchannel !== undefined) input.backchannelLogoutUri = backchannel;
    if (authMethod !== undefined)
      input.authMethod = choice('auth-method', authMethod, AUTH_METHODS);
    const alg = args.string('id-token-alg');
    if (alg !== undefined) input.idTokenSigningAlg = choice('id-token-alg', alg, SIGNING_ALGS);
    const created = await (await context.admin()).clients.create(input);
    printSecret(created, context, `Created ${type} client "${name.trim()}".`);
  },
};

const listClients: Command = {
  readOnly: true,
  name: 'list',
  args: [],
  summary: 'list every client (never their secrets)',
  options: {},
  async run(_args, context) {
    const admin = await context.admin();
    const clients: ClientView[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.clients.list({ limit: 200, ...(cursor ? { cursor } : {}) });
      clients.push(...page.items);
      cursor = page.next;
    } while (cursor);
    if (context.json) return printJson(clients);
    printTable(
      ['client id', 'name', 'type', 'grants', 'apis'],
      clients.map((client) => [
        client.clientId,
        client.name ?? '-',
        client.type + (client.disabled ? ' (disabled)' : ''),
        list(client.grantTypes),
        list(client.allowedApis),
      ]),
      'No clients.',
    );
  },
};

const show: Command = {
  readOnly: true,
  name: 'show',
  args: ['<client-id>'],
  summary: 'show one client (never its secret)',
  options: {},
  async run(args, context) {
    const [clientId = ''] = args.positionals;
    const client = await (await context.admin()).clients.get(clientId);
    if (context.json) return printJson(client);
    printFields([
      ['client id', client.clientId],
      ['name', client.name],
      ['type', clientType(client)],
      ['application type', client.applicationType],
      ['status', client.disabled ? 'disabled' : 'enabled'],
      ['grants', list(client.grantTypes)],
      ['redirect URIs', list(client.redirectUris)],
      ['post-logout redirect URIs', list(client.postLogoutRedirectUris)],
      ['back-channel logout URI', client.backchannelLogoutUri],
      ['ID token algorithm', client.idTokenSigningAlg],
      ['first-party', client.firstParty ? 'yes (no consent page)' : 'no'],
      ['APIs', list(client.allowedApis)],
      ['resource server of', list(client.resourceServerFor)],
      ['created', humanTime(Date.parse(client.createdAt))],
      ['updated', humanTime(Date.parse(client.updatedAt))],
    ]);
  },
};

const remove: Command = {
  name: 'remove',
  args: ['<client-id>'],
  summary: 'remove a client with its grants and tokens',
  options: {},
  notes: [
    'Its grants, codes and tokens are deleted: registering the same id again later brings back',
    'no consent and no token.',
  ],
  async run(args, context) {
    const [clientId = ''] = args.positionals;
    await (await context.admin()).clients.remove(clientId);
    if (context.json) return printJson({ clientId, removed: true });
    print(`Removed client ${clientId}.`);
  },
};

const rotateSecret: Command = {
  name: 'rotate-secret',
  args: ['<client-id>'],
  summary: "replace a client's secret (prints the new one once)",
  options: {},
  notes: ['The old secret stops working at once.'],
  async run(args, context) {
    const [clientId = ''] = args.positionals;
    const rotated = await (await context.admin()).clients.rotateSecret(clientId);
    printSecret(
      rotated,
      context,
      `New secret for client ${clientId}; the old one no longer works.`,
    );
  },
};

/** The `clients` group. */
export const clientCommands: CommandGroup = {
  name: 'clients',
  summary: 'applications that sign people in or call APIs',
  commands: [add, listClients, show, remove, rotateSecret],
};
