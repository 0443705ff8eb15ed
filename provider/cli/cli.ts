// The command line: finds the group and command, prints help when asked, parses the arguments,
// runs the command over lazily opened services (or, with --url, over a server's admin API), and
// turns any error into one line and an exit code.
import { userInfo } from 'node:os';
import { describeError, type Logger } from '../log.ts';
import { apiCommands } from './apis.ts';
import { auditCommands } from './audit.ts';
import { parseCommandArgs, wantsHelp } from './args.ts';
import { clientCommands } from './clients.ts';
import type { Command, CommandGroup } from './command.ts';
import { describeFailure, UsageError } from './errors.ts';
import { commandHelp, commandPath, groupHelp, toolHelp } from './help.ts';
import { keyCommands } from './keys.ts';
import { remoteAdmin, type RemoteAdmin } from './remote-admin.ts';
import { globalOptions } from './remote-target.ts';
import { lazyServices } from './services.ts';
import { storeCommands } from './store.ts';
import { userCommands } from './users.ts';

/** Every command group, in the order help lists them. */
export const GROUPS: readonly CommandGroup[] = [
  userCommands,
  clientCommands,
  apiCommands,
  keyCommands,
  storeCommands,
  auditCommands,
];

const HELP_WORDS = new Set(['help', '--help', '-h']);

/** Who the audit log names for a CLI change: the CLI and the system user running it. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Runs the command in `argv` (without `node main.ts`); answers the exit status. */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const services = lazyServices(env);
  let remote: RemoteAdmin | undefined;
  let status = 0;
  try {
    const { url, rest } = globalOptions(argv);
    const found = find(rest);
    if (typeof found === 'string') {
      process.stdout.write(found);
    } else {
      const { group, command, args } = found;
      const path = commandPath(group, command);
      const parsed = parseCommandArgs(command, path, args);
      const readOnly = command.readOnly ?? false;
      if (url !== undefined) {
        if (command.storeOnly) {
          throw new UsageError(
            `"${path}" runs where the store is, not through --url: run it without --url, with the store's settings (SSO_DATA_DIR or MONGODB_URI)`,
          );
        }
        remote = remoteAdmin(url, env, readOnly);
      }
      const local = remote === undefined;
      await command.run(parsed, {
        json: parsed.flag('json'),
        env,
        services: () => (local ? services.get(readOnly) : Promise.reject(storeOnly(path))),
        admin: async () =>
          remote
            ? remote.admin()
            : (await services.get(readOnly)).administration({ actor: cliActor() }),
        record: async (entry) => {
          if (!local) throw storeOnly(path);
          await (await services.get()).audit.record({ ...entry, actor: cliActor() });
        },
      });
    }
  } catch (error) {
    status = report(error, remote?.log ?? services.log);
  }
  try {
    await services.close();
  } catch (error) {
    if (status === 0) status = report(error, services.log);
  }
  return status;
}

// A command that reached for the store although --url was given (storeOnly commands are refused
// before they start; this is the guard behind that).
function storeOnly(path: string): UsageError {
  return new UsageError(`"${path}" needs the store itself, which --url does not give`);
}

// The command `argv` names with its remaining arguments, or the help text it asks for.
function find(
  argv: readonly string[],
): string | { group: CommandGroup; command: Command; args: string[] } {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command (see "sso --help")');
  if (HELP_WORDS.has(first)) return help(rest);
  const group = findGroup(first);
  const [name, ...args] = rest;
  if (name === undefined) {
    throw new UsageError(
      `missing ${group.name} command: one of ${names(group.commands)} (see "sso ${group.name} --help")`,
    );
  }
  if (HELP_WORDS.has(name)) return help([group.name, ...args]);
  const command = findCommand(group, name);
  if (wantsHelp(args)) return commandHelp(group, command);
  const end = args.indexOf('--');
  if ((end === -1 ? args : args.slice(0, end)).some((arg) => /^--url(=|$)/.test(arg))) {
    throw new UsageError(
      `--url goes before the group: "sso --url URL ${group.name} ${command.name} …"`,
    );
  }
  return { group, command, args };
}

// Help for `sso help [<group> [<command>]]`.
function help(path: readonly string[]): string {
  const [groupName, commandName, extra] = path.filter((word) => !HELP_WORDS.has(word));
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}" after help topic`);
  if (groupName === undefined) return toolHelp(GROUPS);
  const group = findGroup(groupName);
  if (commandName === undefined) return groupHelp(group);
  return commandHelp(group, findCommand(group, commandName));
}

function findGroup(name: string): CommandGroup {
  const group = GROUPS.find((candidate) => candidate.name === name);
  if (group) return group;
  const what = name.startsWith('-') ? 'option' : 'command';
  throw new UsageError(
    `unknown ${what} "${name}": start with one of ${names(GROUPS)} (see "sso --help")`,
  );
}

function findCommand(group: CommandGroup, name: string): Command {
  const command = group.commands.find((candidate) => candidate.name === name);
  if (command) return command;
  throw new UsageError(
    `unknown ${group.name} command "${name}": one of ${names(group.commands)} (see "sso ${group.name} --help")`,
  );
}

function names(items: readonly { name: string }[]): string {
  return items.map((item) => item.name).join(', ');
}

// Writes the one-line report of `error` on stderr (details only to a debug log); answers the status.
function report(error: unknown, log: Logger | undefined): number {
  const failure = describeFailure(error);
  if (failure.unexpected) log?.debug('command failed', describeError(error));
  process.stderr.write(`sso: ${failure.message}\n`);
  return failure.exitCode;
}
