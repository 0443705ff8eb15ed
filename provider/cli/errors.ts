// How the CLI reports a failure: one line on stderr and an exit status. Errors are recognized by
// `name` (not instanceof), so errors from any layer or module copy are reported the same way.

/** Exit status for a command that was used wrongly (unknown command or flag, missing argument). */
export const EXIT_USAGE = 2;
/** Exit status for a command that was used rightly but failed (not found, conflict, …). */
export const EXIT_FAILURE = 1;
/** Exit status after Ctrl-C at a prompt (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** The command line itself is wrong; the message says how. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The person pressed Ctrl-C at a prompt. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** A failure as the CLI reports it. */
export interface Failure {
  /** One line, without the `sso: ` prefix; never contains secrets or a stack trace. */
  message: string;
  exitCode: number;
  /** True when the error was not one of the expected kinds (a bug or an unexpected environment). */
  unexpected: boolean;
}

// Store field names as people read them.
const FIELD_NAMES: Record<string, string> = { clientId: 'client id', audience: 'API audience' };

/** The line and exit status that report `error`. */
export function describeFailure(error: unknown): Failure {
  const { name, message, field, code, syscall } = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as { name?: unknown; message?: unknown; field?: unknown; code?: unknown; syscall?: unknown };
  const text = typeof message === 'string' && message.trim() ? message : String(error);
  switch (name) {
    case 'UsageError':
      return { message: oneLine(text), exitCode: EXIT_USAGE, unexpected: false };
    case 'InterruptedError':
      return { message: oneLine(text), exitCode: EXIT_INTERRUPTED, unexpected: false };
    case 'StoreConflictError': {
      const what = typeof field === 'string' ? (FIELD_NAMES[field] ?? field) : undefined;
      const line = what ? `${what} is already taken` : text;
      return { message: oneLine(line), exitCode: EXIT_FAILURE, unexpected: false };
    }
    case 'StoreUnavailableError':
      return {
        message: oneLine(`store unavailable: ${text.replace(/^store unavailable:\s*/i, '')}`),
        exitCode: EXIT_FAILURE,
        unexpected: false,
      };
    case 'ValidationError':
    case 'NotFoundError':
    case 'ConcurrentUpdateError':
    case 'ConfigError':
      return { message: oneLine(text), exitCode: EXIT_FAILURE, unexpected: false };
    default:
      if (typeof code === 'string' && typeof syscall === 'string') {
        // A system error (ENOTDIR, EACCES, ENOSPC, …): about the environment, and says so itself.
        return { message: oneLine(text), exitCode: EXIT_FAILURE, unexpected: false };
      }
      return {
        message: oneLine(`unexpected error: ${text} (run with SSO_LOG_LEVEL=debug for details)`),
        exitCode: EXIT_FAILURE,
        unexpected: true,
      };
  }
}

/** `text` on one line, with credentials in URLs (`//user:password@`) masked. */
export function oneLine(text: string): string {
  return text
    .replace(/\/\/[^/\s@]*:[^/\s@]*@/g, '//***:***@')
    .replace(/\s+/g, ' ')
    .trim();
}
