// `sso users …`: people who sign in. Passwords are never arguments (see password.ts); JSON output
// never contains the password hash, only whether there is one.
import { StoreConflictError, type Account } from '../../adapters/store.ts';
import type { AccountInput } from '../accounts/accounts.ts';
import {
  ADDRESS_FIELDS,
  PROFILE_FIELDS,
  type ProfileFieldName,
} from '../accounts/profile-fields.ts';
import { addressKey } from '../security/client-address.ts';
import { NotFoundError } from '../errors.ts';
import { exclusive, type ParsedArgs } from './args.ts';
import type { Command, CommandContext, CommandGroup, OptionSpec } from './command.ts';
import { UsageError } from './errors.ts';
import { humanTime, isoTime, list, print, printFields, printJson, printTable } from './output.ts';
import { readNewPassword } from './password.ts';

const USER = '<username|email>';

// One option per standard claim (see profile-fields.ts); an empty value clears the field.
const PROFILE_OPTIONS: Record<string, OptionSpec> = {
  email: { type: 'string', value: 'EMAIL', help: 'email address' },
  'email-verified': { type: 'boolean', help: 'mark the email address as verified' },
  ...Object.fromEntries(
    Object.values(PROFILE_FIELDS).map(({ option, help }) => [
      option,
      { type: 'string', value: 'VALUE', help } satisfies OptionSpec,
    ]),
  ),
  'phone-verified': { type: 'boolean', help: 'mark the phone number as verified' },
  ...Object.fromEntries(
    Object.values(ADDRESS_FIELDS).map(({ option, help }) => [
      option,
      { type: 'string', value: 'VALUE', help } satisfies OptionSpec,
    ]),
  ),
  group: { type: 'string', multiple: true, value: 'GROUP', help: 'group membership' },
};

const PASSWORD_STDIN: OptionSpec = {
  type: 'boolean',
  help: 'read the password from the first line of stdin',
};

/** An account as the CLI shows it: everything but the password hash. */
export function accountView(account: Account) {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    emailVerified: account.emailVerified,
    ...Object.fromEntries(
      Object.keys(PROFILE_FIELDS).map((field) => [field, account[field as ProfileFieldName]]),
    ),
    phoneNumberVerified: account.phoneNumber ? (account.phoneNumberVerified ?? false) : undefined,
    address: account.address,
    groups: account.groups,
    disabled: account.disabled,
    hasPassword: account.passwordHash !== undefined,
    createdAt: isoTime(account.createdAt),
    updatedAt: isoTime(account.updatedAt),
  };
}

function status(account: Account): string {
  if (account.disabled) return 'disabled';
  return account.passwordHash ? 'active' : 'no password';
}

function printAccount(account: Account, context: CommandContext): void {
  if (context.json) return printJson(accountView(account));
  printFields([
    ['username', account.username],
    ['id (sub)', account.id],
    ['email', account.email && `${account.email}${account.emailVerified ? ' (verified)' : ''}`],
    ...Object.entries(PROFILE_FIELDS)
      .filter(([field]) => field !== 'phoneNumber')
      .map(([field, spec]): [string, string | undefined] => [
        spec.option.replace(/-/g, ' ').replace(/ url$/, ''),
        account[field as ProfileFieldName],
      ]),
    [
      'phone',
      account.phoneNumber &&
        `${account.phoneNumber}${account.phoneNumberVerified ? ' (verified)' : ''}`,
    ],
    [
      'address',
      account.address &&
        Object.keys(ADDRESS_FIELDS)
          .map((part) => account.address?.[part as keyof typeof ADDRESS_FIELDS])
          .filter(Boolean)
          .join(', ')
          .replace(/\n/g, ', '),
    ],
    ['groups', list(account.groups)],
    ['status', status(account)],
    ['created', humanTime(account.createdAt)],
    ['updated', humanTime(account.updatedAt)],
  ]);
}

// The profile fields the options give (only those given).
function profile(args: ParsedArgs): Omit<Partial<AccountInput>, 'username'> {
  const input: Omit<Partial<AccountInput>, 'username'> = {};
  const email = args.string('email');
  if (email !== undefined) input.email = email;
  if (args.flag('email-verified')) input.emailVerified = true;
  for (const [field, { option }] of Object.entries(PROFILE_FIELDS)) {
    const value = args.string(option);
    if (value !== undefined) input[field as ProfileFieldName] = value;
  }
  if (args.flag('phone-verified')) input.phoneNumberVerified = true;
  for (const [part, { option }] of Object.entries(ADDRESS_FIELDS)) {
    const value = args.string(option);
    if (value !== undefined) input.address = { ...input.address, [part]: value };
  }
  if (args.has('group')) input.groups = args.strings('group');
  return input;
}

const add: Command = {
  name: 'add',
  args: ['<username>'],
  summary: 'create an account',
  options: {
    ...PROFILE_OPTIONS,
    'password-stdin': PASSWORD_STDIN,
    'no-password': {
      type: 'boolean',
      help: 'create the account without a password (it cannot sign in until set-password)',
    },
  },
  notes: [
    'The password is never an argument: with --password-stdin it is the first line of stdin,',
    'otherwise it is asked for twice at the terminal. Without a terminal, give --password-stdin',
    'or --no-password. Passwords are 8 to 256 characters.',
  ],
  async run(args, context) {
    exclusive(args, 'password-stdin', 'no-password');
    const [username = ''] = args.positionals;
    const input: AccountInput = { ...profile(args), username };
    const { accounts, store } = await context.services();
    // Checked before asking for a password, so nobody types one for nothing (create checks again).
    if (await store.accounts.findByUsername(username.trim().toLowerCase())) {
      throw new StoreConflictError('username');
    }
    const password = args.flag('no-password')
      ? undefined
      : await readNewPassword(args.flag('password-stdin'), ', use --no-password');
    const account = await accounts.create(input, password);
    await context.record({ type: 'user.create', ...who(account) });
    if (context.json) return printJson(accountView(account));
    print(`Created user ${account.username} (sub ${account.id}).`);
    if (!password) print(`It cannot sign in until "sso users set-password ${account.username}".`);
  },
};

const listUsers: Command = {
  readOnly: true,
  name: 'list',
  args: [],
  summary: 'list every account',
  options: {},
  async run(_args, context) {
    const accounts = await (await context.services()).accounts.list();
    if (context.json) return printJson(accounts.map(accountView));
    printTable(
      ['username', 'email', 'name', 'groups', 'status'],
      accounts.map((account) => [
        account.username,
        account.email ?? '-',
        account.name ?? '-',
        list(account.groups),
        status(account),
      ]),
      'No users.',
    );
  },
};

const show: Command = {
  readOnly: true,
  name: 'show',
  args: [USER],
  summary: 'show one account',
  options: {},
  async run(args, context) {
    const [login = ''] = args.positionals;
    const account = await (await context.services()).accounts.findByLogin(login);
    if (!account) throw notFound(login);
    printAccount(account, context);
  },
};

const disable: Command = {
  name: 'disable',
  args: [USER],
  summary: 'disable an account and end its sessions',
  options: {},
  notes: [
    'A disabled account cannot sign in; its sessions end and its grants and tokens are removed,',
    'so nothing issued before keeps working. "sso users enable" lets it sign in again.',
  ],
  async run(args, context) {
    const [login = ''] = args.positionals;
    const account = await (await context.services()).accounts.setDisabled(login, true);
    await context.record({ type: 'user.disable', ...who(account) });
    if (context.json) return printJson(accountView(account));
    print(`Disabled user ${account.username}; their sessions, grants and tokens have ended.`);
  },
};

const enable: Command = {
  name: 'enable',
  args: [USER],
  summary: 'enable a disabled account',
  options: {},
  async run(args, context) {
    const [login = ''] = args.positionals;
    const account = await (await context.services()).accounts.setDisabled(login, false);
    await context.record({ type: 'user.enable', ...who(account) });
    if (context.json) return printJson(accountView(account));
    print(`Enabled user ${account.username}.`);
  },
};

const remove: Command = {
  name: 'remove',
  args: [USER],
  summary: 'delete an account with its sessions, grants and tokens',
  options: {},
  notes: ['The account id (sub) is gone for good; "sso users disable" keeps it and can be undone.'],
  async run(args, context) {
    const [login = ''] = args.positionals;
    const account = await (await context.services()).accounts.remove(login);
    await context.record({ type: 'user.remove', ...who(account) });
    if (context.json) return printJson(accountView(account));
    print(`Removed user ${account.username}.`);
  },
};

const setPassword: Command = {
  name: 'set-password',
  args: [USER],
  summary: "set an account's password",
  options: { 'password-stdin': PASSWORD_STDIN },
  notes: [
    'The password is never an argument: with --password-stdin it is the first line of stdin,',
    'otherwise it is asked for twice at the terminal. Existing sessions are not ended;',
    'use "sso users disable" and "sso users enable" for that.',
  ],
  async run(args, context) {
    const [login = ''] = args.positionals;
    const { accounts } = await context.services();
    if (!(await accounts.findByLogin(login))) throw notFound(login);
    const password = await readNewPassword(args.flag('password-stdin'));
    const account = await accounts.setPassword(login, password);
    await context.record({ type: 'password.change', ...who(account) });
    if (context.json) return printJson(accountView(account));
    print(`Set the password of user ${account.username}.`);
  },
};

const update: Command = {
  name: 'update',
  args: [USER],
  summary: "change an account's profile (the username stays)",
  options: {
    ...PROFILE_OPTIONS,
    'no-email-verified': { type: 'boolean', help: 'mark the email address as not verified' },
    'no-groups': { type: 'boolean', help: 'remove every group membership' },
  },
  notes: [
    'Only the options given change. An empty value (--name "") removes that field. --group',
    'replaces the whole group list. A new --email is unverified unless --email-verified is given.',
  ],
  async run(args, context) {
    exclusive(args, 'email-verified', 'no-email-verified');
    exclusive(args, 'group', 'no-groups');
    const [login = ''] = args.positionals;
    const changes = profile(args);
    if (args.flag('no-email-verified')) changes.emailVerified = false;
    if (args.flag('no-groups')) changes.groups = [];
    if (Object.keys(changes).length === 0) {
      throw new UsageError('nothing to change (see "sso users update --help")');
    }
    const { accounts } = await context.services();
    const current = await accounts.findByLogin(login);
    if (!current) throw notFound(login);
    const newEmail = changes.email?.trim().toLowerCase();
    if (newEmail !== undefined && newEmail !== current.email && !args.flag('email-verified')) {
      changes.emailVerified = false;
    }
    const account = await accounts.update(login, changes);
    await context.record({
      type: 'user.update',
      ...who(account),
      details: { fields: Object.keys(changes).sort().join(' ') },
    });
    printAccount(account, context);
  },
};

const unlock: Command = {
  name: 'unlock',
  args: [USER],
  summary: 'lift the sign-in lockouts and waits of an account',
  options: {
    address: {
      type: 'string',
      value: 'ADDRESS',
      help: 'also lift the block of this client address (all accounts, and device codes)',
    },
  },
  notes: [
    'After too many failed sign-ins an account is paused at the address they came from (see',
    'SSO_LOGIN_LOCKOUT_AFTER); this lifts that at every address. An address that failed too often',
    'across accounts stays blocked unless --address names it.',
  ],
  async run(args, context) {
    const [login = ''] = args.positionals;
    const { accounts, guard } = await context.services();
    const account = await accounts.findByLogin(login);
    if (!account) throw notFound(login);
    const typed = [account.username, ...(account.email ? [account.email] : [])];
    const lifted = await guard.unlockAccount(account.id, typed);
    const address = args.string('address');
    const addressLifted = address !== undefined && (await guard.unlockAddress(addressKey(address)));
    await context.record({
      type: 'login.unlock',
      username: account.username,
      accountId: account.id,
      ...(address !== undefined ? { ip: address } : {}),
      details: { lifted, addressLifted },
    });
    if (context.json) return printJson({ username: account.username, lifted, addressLifted });
    print(
      lifted
        ? `Lifted the sign-in pause of user ${account.username}.`
        : `User ${account.username} was not paused anywhere.`,
    );
    if (address !== undefined) {
      print(addressLifted ? `Lifted the block of ${address}.` : `${address} was not blocked.`);
    }
  },
};

// The account an audit event is about.
function who(account: Account): { username: string; accountId: string } {
  return { username: account.username, accountId: account.id };
}

function notFound(login: string): NotFoundError {
  return new NotFoundError(`user "${login}"`);
}

/** The `users` group. */
export const userCommands: CommandGroup = {
  name: 'users',
  summary: 'people who sign in',
  commands: [add, listUsers, show, disable, enable, remove, setPassword, update, unlock],
};
