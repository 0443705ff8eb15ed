// Structured logs: one JSON object per line on stdout. Callers pass fields, never secrets.
import type { LogLevel } from './config.ts';

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /**
   * A security event (`msg: "audit"`), written at every level but `silent` so that tools like
   * fail2ban can follow sign-in failures whatever the log level.
   */
  audit(fields: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/**
 * A logger writing lines at `level` and above to `write` (stdout by default). Audit lines are
 * written at every level but `silent`, unless `auditByLevel` (the CLI, whose changes are stored
 * anyway): then only at `info` and below, like other info lines.
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
  { auditByLevel = false }: { auditByLevel?: boolean } = {},
): Logger {
  const emit = (at: Exclude<LogLevel, 'silent'>) => (message: string, fields?: LogFields) => {
    if (RANK[at] < RANK[level]) return;
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields })}\n`,
    );
  };
  const info = emit('info');
  return {
    debug: emit('debug'),
    info,
    warn: emit('warn'),
    error: emit('error'),
    audit: (fields) => {
      if (auditByLevel) return info('audit', fields);
      if (level === 'silent') return;
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'audit', ...fields })}\n`,
      );
    },
  };
}

/** Error details for the service log (never shown to users): name, code, message and stack. */
export function describeError(error: unknown): LogFields {
  if (typeof error !== 'object' || error === null) return { error: String(error) };
  const { name, message, code, stack, cause } = error as Record<string, unknown>;
  // fetch and other wrappers say what went wrong only in their cause.
  // (By shape: errors made inside Node's own fetch may come from another realm.)
  const because =
    typeof cause === 'object' && cause !== null && typeof (cause as Error).message === 'string'
      ? (cause as Error).message
      : undefined;
  return { error: { name, code, message, ...(because ? { cause: because } : {}), stack } };
}
