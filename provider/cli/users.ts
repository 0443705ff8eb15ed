// `sso users …`: people who sign in. Passwords are never arguments (see password.ts); JSON output
// never contains the password hash, only whether there is one.
import { StoreConflictError } from '../../adapters/store.ts';
import type { AccountInput } from '../accounts/accounts.ts';
import type { AdminOperations } from '../administration/operations.ts';
import type { UserView } from '../administration/views.ts';
import {
  ADDRESS_FIELDS,
  PROFILE_FIELDS,
  type ProfileFieldName,
} from '../accounts/profile-fields.ts';
import { NotFoundError } from '../errors.ts';
import { exclusive, type ParsedArgs } from './args.ts';
import type { Command, CommandContext, CommandGroup, OptionSpec } from './command.ts';
import { UsageError } from './errors.ts';
import { humanTime, list, print, printFields, printJson, printTable } from './output.ts';
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
  'require-mfa': { type: 'boolean', help: 'require a second factor at every sign-in' },
};

const PASSWORD_STDIN: OptionSpec = {
  type: 'boolean',
  help: 'read the password from the first line of stdin',
};

function status(account: UserView): string {
  if (account.disabled) return 'disabled';
  return account.hasPassword ? 'active' : 'no password';
}

function printAccount(account: UserView, context: CommandContext): void {
  if (context.json) return printJson(account);
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
    [
      'second factors',
      list(
        [
          account.secondFactors.totp ? 'authenticator app' : '',
          account.secondFactors.passkeys ? `${account.secondFactors.passkeys} passkey(s)` : '',
          account.secondFactors.recoveryCodesLeft
            ? `${account.secondFactors.recoveryCodesLeft} recovery codes`
            : '',
        ].filter(Boolean),
      ) + (account.mfaRequired ? ' (required)' : ''),
    ],
    ['status', status(account)],
    ['created', humanTime(Date.parse(account.createdAt))],
    ['updated', humanTime(Date.parse(account.updatedAt))],
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
  if (args.flag('require-mfa')) input.mfaRequired = true;
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
    const admin = await context.admin();
    // Checked before asking for a password, so nobody types one for nothing (create checks again).
    if (!username.includes('@') && (await existing(admin, username))) {
      throw new StoreConflictError('username');
    }
    const password = args.flag('no-password')
      ? undefined
      : await readNewPassword(args.flag('password-stdin'), ', use --no-password');
    const account = await admin.users.create({
      ...input,
      ...(password !== undefined ? { password } : {}),
    });
    if (context.json) return printJson(account);
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
    const accounts = await everyUser(await context.admin());
    if (context.json) return printJson(accounts);
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
    printAccount(await (await context.admin()).users.findByLogin(login), context);
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
    const admin = await context.admin();
    const account = await admin.users.update((await admin.users.findByLogin(login)).id, {
      disabled: true,
    });
    if (context.json) return printJson(account);
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
    const admin = await context.admin();
    const account = await admin.users.update((await admin.users.findByLogin(login)).id, {
      disabled: false,
    });
    if (context.json) return printJson(account);
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
    const admin = await context.admin();
    const account = await admin.users.remove((await admin.users.findByLogin(login)).id);
    if (context.json) return printJson(account);
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
    const admin = await context.admin();
    const { id } = await admin.users.findByLogin(login);
    const password = await readNewPassword(args.flag('password-stdin'));
    const account = await admin.users.setPassword(id, password);
    if (context.json) return printJson(account);
    print(`Set the password of user ${account.username}.`);
  },
};

const sendReset: Command = {
  name: 'send-reset',
  args: [USER],
  summary: 'mail an account a single-use password-reset link',
  options: {},
  notes: [
    "The link goes to the account's email address and works once, for SSO_RESET_LINK_TTL;",
    'it needs mail (SSO_SMTP_URL, SSO_MAIL_FROM). Setting a password with it ends every session.',
  ],
  async run(args, context) {
    const [login = ''] = args.positionals;
    const admin = await context.admin();
    const sent = await admin.users.sendPasswordReset((await admin.users.findByLogin(login)).id);
    if (context.json) return printJson(sent);
    print(`Sent a password-reset link to ${sent.email} (works until ${sent.expiresAt}).`);
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
    'no-require-mfa': { type: 'boolean', help: 'no longer require a second factor of this user' },
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
    exclusive(args, 'require-mfa', 'no-require-mfa');
    if (args.flag('no-require-mfa')) changes.mfaRequired = false;
    if (Object.keys(changes).length === 0) {
      throw new UsageError('nothing to change (see "sso users update --help")');
    }
    const admin = await context.admin();
    const account = await admin.users.update((await admin.users.findByLogin(login)).id, changes);
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
    const admin = await context.admin();
    const account = await admin.users.findByLogin(login);
    const address = args.string('address');
    const { lifted, addressLifted } = await admin.users.unlock(account.id, address);
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

const resetFactors: Command = {
  name: 'reset-factors',
  args: [USER],
  summary: "remove an account's second factors (a lost device)",
  options: {},
  notes: [
    'Removes the authenticator app, the recovery codes and the passkeys. Where a second factor is',
    'required, the next sign-in sets up a new one.',
  ],
  async run(args, context) {
    const [login = ''] = args.positionals;
    const admin = await context.admin();
    const account = await admin.users.resetSecondFactors((await admin.users.findByLogin(login)).id);
    if (context.json) return printJson(account);
    print(`Removed the second factors of user ${account.username}.`);
  },
};

// Whether an account with that username exists.
async function existing(admin: AdminOperations, username: string): Promise<boolean> {
  try {
    await admin.users.findByLogin(username);
    return true;
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** Every user, page after page. */
export async function everyUser(admin: AdminOperations): Promise<UserView[]> {
  const users: UserView[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin.users.list({ limit: 200, ...(cursor ? { cursor } : {}) });
    users.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return users;
}

/** The `users` group. */
export const userCommands: CommandGroup = {
  name: 'users',
  summary: 'people who sign in',
  commands: [
    add,
    listUsers,
    show,
    disable,
    enable,
    remove,
    setPassword,
    sendReset,
    update,
    unlock,
    resetFactors,
  ],
};
