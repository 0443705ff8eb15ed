// How the CLI reports a failure: one line on stderr and an exit status. What kind of failure it is
// comes from error-kinds.ts, as for the HTTP error boundary.
import { errorKind } from '../error-kinds.ts';

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

/**
 * The server that --url names could not be asked, or refused the CLI itself (its credentials, its
 * scopes): the message says which and what to check; it never holds the secret or the token.
 */
export class RemoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteError';
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
  if (error instanceof UsageError) {
    return { message: oneLine(error.message), exitCode: EXIT_USAGE, unexpected: false };
  }
  if (error instanceof InterruptedError) {
    return { message: oneLine(error.message), exitCode: EXIT_INTERRUPTED, unexpected: false };
  }
  if (error instanceof RemoteError) {
    return { message: oneLine(error.message), exitCode: EXIT_FAILURE, unexpected: false };
  }
  const known = errorKind(error);
  const expected = (line: string): Failure => ({
    message: oneLine(line),
    exitCode: EXIT_FAILURE,
    unexpected: false,
  });
  switch (known.kind) {
    case 'conflict':
      return expected(`${FIELD_NAMES[known.field] ?? known.field} is already taken`);
    case 'unavailable':
      return expected(`store unavailable: ${known.message.replace(/^store unavailable:\s*/i, '')}`);
    case 'invalid':
    case 'not_found':
    case 'concurrent':
    case 'stale':
    case 'forbidden':
    case 'config':
    case 'undelivered':
      return expected(known.message);
    case 'unexpected':
      break;
  }
  const { message, code, syscall } = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as { message?: unknown; code?: unknown; syscall?: unknown };
  const text = typeof message === 'string' && message.trim() ? message : String(error);
  if (typeof code === 'string' && typeof syscall === 'string') {
    // A system error (ENOTDIR, EACCES, ENOSPC, …): about the environment, and says so itself.
    return expected(text);
  }
  return {
    message: oneLine(`unexpected error: ${text} (run with SSO_LOG_LEVEL=debug for details)`),
    exitCode: EXIT_FAILURE,
    unexpected: true,
  };
}

/** `text` on one line, with credentials in URLs (`//user:password@`) masked. */
export function oneLine(text: string): string {
  return text
    .replace(/\/\/[^/\s@]*:[^/\s@]*@/g, '//***:***@')
    .replace(/\s+/g, ' ')
    .trim();
}
