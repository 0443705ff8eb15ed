// Parses a command's arguments with node:util parseArgs against the command's declared options, and
// turns every mistake into a UsageError with one readable line (parseArgs' own messages span lines).
import { parseArgs } from 'node:util';
import { parseDuration } from '../durations.ts';
import type { Command, OptionSpec } from './command.ts';
import { UsageError } from './errors.ts';

/** Options every command accepts. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', help: 'print machine-readable JSON on stdout' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

type Value = string | boolean | (string | boolean)[] | undefined;

/** A command's parsed arguments, with typed access to the option values. */
export class ParsedArgs {
  readonly positionals: readonly string[];
  readonly #values: Readonly<Record<string, Value>>;

  constructor(positionals: string[], values: Record<string, Value>) {
    this.positionals = positionals;
    this.#values = values;
  }

  /** The value of a single string option, if given. */
  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** Every value of a repeatable string option, in order. */
  strings(name: string): string[] {
    const value = this.#values[name];
    return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
  }

  /** Whether a boolean option was given. */
  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  /** Whether the option was given at all. */
  has(name: string): boolean {
    return this.#values[name] !== undefined;
  }
}

/** Whether `argv` asks for help (`-h`/`--help` before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/**
 * `argv` parsed for `command` (invoked as `path`, e.g. `sso users add`); UsageError for unknown
 * options, missing values, missing or extra arguments.
 */
export function parseCommandArgs(command: Command, path: string, argv: string[]): ParsedArgs {
  const specs = { ...command.options, ...COMMON_OPTIONS };
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.entries(specs).map(([name, spec]) => [
        name,
        {
          type: spec.type,
          multiple: spec.multiple ?? false,
          ...(spec.short ? { short: spec.short } : {}),
        },
      ]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const hint = `see "${path} --help"`;
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = specs[token.name];
    if (!spec) throw new UsageError(`unknown option ${token.rawName} (${hint})`);
    if (seen.has(token.name) && !spec.multiple) {
      throw new UsageError(`option --${token.name} is given more than once`);
    }
    seen.add(token.name);
    if (spec.type === 'boolean' && token.value !== undefined) {
      throw new UsageError(`option ${token.rawName} does not take a value (${hint})`);
    }
    if (spec.type === 'string') {
      if (token.value === undefined) {
        throw new UsageError(`option ${token.rawName} needs a value (${hint})`);
      }
      if (token.inlineValue === false && token.value.startsWith('-')) {
        throw new UsageError(
          `option ${token.rawName} needs a value (to give one starting with "-", write ${token.rawName}=${token.value})`,
        );
      }
    }
  }
  if (positionals.length < command.args.length) {
    const missing = command.args.slice(positionals.length).join(' ');
    throw new UsageError(`missing ${missing} (usage: ${path} ${command.args.join(' ')})`);
  }
  if (positionals.length > command.args.length) {
    // The extra argument is not echoed: it may be a password typed where it does not belong.
    const takes = command.args.length ? `only ${command.args.join(' ')}` : 'no arguments';
    throw new UsageError(`too many arguments: ${path} takes ${takes} (${hint})`);
  }
  return new ParsedArgs(positionals, values);
}

/** `value` of option `--name` when it is one of `choices`; UsageError otherwise. */
export function choice<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got "${value}")`);
}

/** Seconds in the duration `value` of option `--name`; UsageError when it is not one. */
export function duration(name: string, value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined) {
    throw new UsageError(`--${name} must be a duration like 90s, 15m, 1h or 2d (got "${value}")`);
  }
  return seconds;
}

/** UsageError when more than one of the boolean options `names` is given. */
export function exclusive(args: ParsedArgs, ...names: string[]): void {
  const given = names.filter((name) => args.has(name));
  if (given.length > 1) {
    throw new UsageError(
      `${given.map((name) => `--${name}`).join(' and ')} cannot be used together`,
    );
  }
}
