// `sso apis …`: APIs (resource servers) that SSO issues access tokens for.
import type { ApiInput } from '../apis/apis.ts';
import { formatDuration } from '../durations.ts';
import { duration } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { humanTime, list, print, printFields, printJson, printTable } from './output.ts';

const add: Command = {
  name: 'add',
  args: ['<audience>'],
  required: '--scope SCOPE...',
  summary: 'register an API',
  options: {
    scope: {
      type: 'string',
      multiple: true,
      value: 'SCOPE',
      help: 'a scope the API accepts (at least one; "a b" gives two)',
    },
    name: { type: 'string', value: 'NAME', help: 'display name' },
    ttl: {
      type: 'string',
      value: 'DURATION',
      help: 'access-token lifetime, e.g. 15m (default: SSO_API_ACCESS_TOKEN_TTL, 5m; at most 1d)',
    },
    alg: {
      type: 'string',
      value: 'ES256|RS256',
      help: 'signing algorithm of its access tokens (default ES256; RS256 for JWT libraries that need it)',
    },
    'token-format': {
      type: 'string',
      value: 'jwt|opaque',
      help: 'jwt (default): the API verifies tokens itself; opaque: it introspects them',
    },
  },
  notes: [
    "The audience is the API's resource indicator: an absolute https, http or urn URI, which",
    'becomes the "aud" of its access tokens.',
  ],
  async run(args, context) {
    const [audience = ''] = args.positionals;
    const scopes = args.strings('scope').flatMap((scope) => scope.split(/\s+/).filter(Boolean));
    if (scopes.length === 0) {
      throw new UsageError('an API needs at least one --scope (see "sso apis add --help")');
    }
    const input: ApiInput = { audience, scopes };
    const name = args.string('name');
    if (name !== undefined) input.name = name;
    const ttl = args.string('ttl');
    if (ttl !== undefined) input.accessTokenTtl = duration('ttl', ttl);
    const alg = args.string('alg');
    if (alg !== undefined) input.signingAlg = alg;
    const format = args.string('token-format');
    if (format !== undefined) input.tokenFormat = format;
    const api = await (await context.admin()).apis.create(input);
    if (context.json) return printJson(api);
    print(
      `Registered API ${api.audience} with scopes ${api.scopes.join(' ')}; access tokens live ${formatDuration(api.accessTokenTtl)}.`,
    );
  },
};

const listApis: Command = {
  readOnly: true,
  name: 'list',
  args: [],
  summary: 'list every API',
  options: {},
  async run(_args, context) {
    const apis = await (await context.admin()).apis.list();
    if (context.json) return printJson(apis);
    printTable(
      ['audience', 'name', 'scopes', 'token ttl'],
      apis.map((api) => [
        api.audience,
        api.name ?? '-',
        api.scopes.join(' '),
        formatDuration(api.accessTokenTtl),
      ]),
      'No APIs.',
    );
  },
};

const show: Command = {
  readOnly: true,
  name: 'show',
  args: ['<audience>'],
  summary: 'show one API',
  options: {},
  async run(args, context) {
    const [audience = ''] = args.positionals;
    const api = await (await context.admin()).apis.get(audience);
    if (context.json) return printJson(api);
    printFields([
      ['audience', api.audience],
      ['name', api.name],
      ['scopes', list(api.scopes)],
      ['token ttl', formatDuration(api.accessTokenTtl)],
      ['signing alg', api.signingAlg],
      ['token format', api.tokenFormat],
      ['used by', list(api.usedBy ?? [])],
      ['created', humanTime(Date.parse(api.createdAt))],
      ['updated', humanTime(Date.parse(api.updatedAt))],
    ]);
  },
};

const remove: Command = {
  name: 'remove',
  args: ['<audience>'],
  summary: 'remove an API',
  options: {},
  notes: [
    'Clients can no longer get tokens for it; tokens already issued stay valid until they expire.',
  ],
  async run(args, context) {
    const [audience = ''] = args.positionals;
    await (await context.admin()).apis.remove(audience);
    if (context.json) return printJson({ audience, removed: true });
    print(`Removed API ${audience}.`);
  },
};

/** The `apis` group. */
export const apiCommands: CommandGroup = {
  name: 'apis',
  summary: 'APIs (resource servers) that accept access tokens from SSO',
  commands: [add, listApis, show, remove],
};
