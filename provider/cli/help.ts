// Help text for the tool, a group and a command, generated from the command declarations so that it
// always matches what the parser accepts.
import { COMMON_OPTIONS } from './args.ts';
import type { Command, CommandGroup, OptionSpec } from './command.ts';

const TOOL = 'sso';

/** How a command is invoked, e.g. `sso users add <username>`. */
export function commandUsage(group: CommandGroup, command: Command): string {
  return [commandPath(group, command), ...command.args, command.required ?? ''].join(' ').trimEnd();
}

/** The words that name a command, e.g. `sso users add`. */
export function commandPath(group: CommandGroup, command: Command): string {
  return [TOOL, group.name, command.name].join(' ');
}

/** Help for the whole tool. */
export function toolHelp(groups: readonly CommandGroup[]): string {
  const rows = groups.flatMap((group) =>
    group.commands.map((command) => [commandUsage(group, command), command.summary] as const),
  );
  const storeOnly = groups.flatMap((group) =>
    group.commands
      .filter((command) => command.storeOnly)
      .map((command) => commandPath(group, command)),
  );
  return [
    `${TOOL}: manages the SSO store: users, clients, APIs and signing keys.`,
    '',
    `Usage: ${TOOL} <group> <command> [arguments] [options]`,
    `       ${TOOL} --url URL <group> <command> [arguments] [options]`,
    `       ${TOOL} help [<group> [<command>]]`,
    '',
    'Commands:',
    ...columns(rows),
    '',
    'Every command accepts --json (machine-readable output on stdout) and --help.',
    'The store is the one the server uses, chosen by the same environment variables',
    '(SSO_DATA_DIR for the embedded store, MONGODB_URI for MongoDB, …).',
    '',
    'With --url URL (before the group; URL is the issuer, e.g. https://sso.example.com), the',
    "command runs through that server's admin API instead, with no access to the store: as the",
    'machine client whose id and secret are in SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET,',
    'registered with "sso clients add --name ci --confidential --grant client_credentials',
    '--api URL/admin/api". It asks for admin:read, or admin:read admin:write for a change;',
    'SSO_ADMIN_SCOPE=admin:read keeps it to reading. URL must be https (http only on loopback).',
    'These run only where the store is, never with --url:',
    `${storeOnly.join(', ')}.`,
    '',
    'Exit status: 0 done, 1 failed (not found, conflict, invalid input, store unavailable,',
    'server unreachable or refusing the client), 2 wrong usage (unknown command or option,',
    'missing argument, --url without the client).',
    '',
  ].join('\n');
}

/** Help for one group. */
export function groupHelp(group: CommandGroup): string {
  return [
    `${TOOL} ${group.name}: ${group.summary}`,
    '',
    `Usage: ${TOOL} ${group.name} <command> [arguments] [options]`,
    '',
    'Commands:',
    ...columns(
      group.commands.map((command) => [
        commandUsage(group, command).slice(`${TOOL} ${group.name} `.length),
        command.summary,
      ]),
    ),
    '',
    `Run "${TOOL} ${group.name} <command> --help" for a command's options.`,
    '',
  ].join('\n');
}

/** Help for one command. */
export function commandHelp(group: CommandGroup, command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  return [
    `Usage: ${commandUsage(group, command)} [options]`,
    '',
    `${capitalize(command.summary)}.`,
    ...(command.notes?.length ? ['', ...command.notes] : []),
    ...(command.storeOnly
      ? ['', 'Runs where the store is (with its settings), never with --url.']
      : []),
    '',
    'Options:',
    ...columns(
      Object.entries(options).map(([name, spec]) => [optionLabel(name, spec), optionHelp(spec)]),
    ),
    '',
  ].join('\n');
}

function optionLabel(name: string, spec: OptionSpec): string {
  const long = spec.type === 'string' ? `--${name} ${spec.value ?? 'VALUE'}` : `--${name}`;
  return spec.short ? `-${spec.short}, ${long}` : long;
}

function optionHelp(spec: OptionSpec): string {
  return spec.multiple ? `${spec.help} (repeatable)` : spec.help;
}

function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
