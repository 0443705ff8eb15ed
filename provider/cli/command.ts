// The shape of a CLI command: its arguments and options (which drive parsing and help), and what
// it does. Commands are grouped by what they manage (users, clients, apis, keys).
import type { AdminOperations } from '../administration/operations.ts';
import type { AuditEntry } from '../audit/audit.ts';
import type { Services } from '../services.ts';
import type { ParsedArgs } from './args.ts';

/** One `--option` of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One-letter alias, e.g. `h` for `-h`. */
  short?: string;
  /** The option may be repeated; its values are collected in order. */
  multiple?: boolean;
  /** Placeholder for the value in help, e.g. `EMAIL`. */
  value?: string;
  /** One line for the help. */
  help: string;
}

/** What a running command can use. */
export interface CommandContext {
  /** True when `--json` was given: print machine-readable JSON on stdout. */
  json: boolean;
  /**
   * The services over the configured store, opened on first call and closed when the command ends
   * (only for storeOnly commands: with --url there is no store).
   */
  services(): Promise<Services>;
  /**
   * What administrators can do, with the CLI as the actor: over the local store, or with --url
   * through a server's admin API.
   */
  admin(): Promise<AdminOperations>;
  /** The environment the CLI was started with (for commands that open a store of their own). */
  env: Readonly<Record<string, string | undefined>>;
  /** Records a change this command made in the audit log, with the CLI as its actor. */
  record(entry: Omit<AuditEntry, 'actor'>): Promise<void>;
}

/** One command, such as `users add`. */
export interface Command {
  name: string;
  /** Required positional arguments as shown in help, e.g. `<username>`. */
  args: readonly string[];
  /** Required options as the usage line shows them, e.g. `--scope SCOPE...`. */
  required?: string;
  /** One line for the group's command list. */
  summary: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** Further help paragraphs. */
  notes?: readonly string[];
  /** Only reads: the store is opened without creating anything (no key file, no keys). */
  readOnly?: boolean;
  /** Works on the store itself (its schema, its secrets), so it is refused with --url. */
  storeOnly?: boolean;
  /** Runs the command; throws UsageError for bad arguments, other typed errors for failures. */
  run(args: ParsedArgs, context: CommandContext): Promise<void>;
}

/** The commands that manage one kind of record. */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: readonly Command[];
}
