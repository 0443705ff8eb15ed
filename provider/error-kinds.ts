// What kind of failure an error is, decided in one place by its class: the HTTP error boundary, the
// protocol engine's store calls and the CLI all ask here, then each answers in its own shape (an
// error page or JSON, an OAuth error, one line on stderr).
import { StoreConflictError, StoreUnavailableError } from '../adapters/store.ts';
import { ConfigError } from './config.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { MailDeliveryError, MailNotConfiguredError } from './mail/errors.ts';
import { ConcurrentUpdateError, StaleVersionError } from './versioned-update.ts';

export type ErrorKind =
  /** The store cannot be reached: try again later (503). */
  | { kind: 'unavailable'; message: string }
  /** The input breaks a rule; the message says which (400). */
  | { kind: 'invalid'; message: string; field: string }
  /** A unique value is taken (409). */
  | { kind: 'conflict'; message: string; field: string }
  /** The named thing does not exist (404). */
  | { kind: 'not_found'; message: string }
  /** Others kept changing the record; nothing was saved (409, try again). */
  | { kind: 'concurrent'; message: string }
  /** The record is not at the version the change was made against; nothing was saved (412). */
  | { kind: 'stale'; message: string }
  /** The caller may not do this (403); also what needs mail where none is set up. */
  | { kind: 'forbidden'; message: string }
  /** The mail server did not take a message the caller waits for; try again later (503). */
  | { kind: 'undelivered'; message: string }
  /** The configuration is wrong. */
  | { kind: 'config'; message: string }
  /** Anything else: a bug or an unexpected environment; never shown in detail. */
  | { kind: 'unexpected' };

/** The kind of `error`; `unexpected` for anything SSO did not raise on purpose. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof StoreUnavailableError)
    return { kind: 'unavailable', message: error.message };
  if (error instanceof ValidationError) {
    return { kind: 'invalid', message: error.message, field: error.field };
  }
  if (error instanceof StoreConflictError) {
    return { kind: 'conflict', message: error.message, field: error.field };
  }
  if (error instanceof NotFoundError) return { kind: 'not_found', message: error.message };
  if (error instanceof ConcurrentUpdateError) return { kind: 'concurrent', message: error.message };
  if (error instanceof StaleVersionError) return { kind: 'stale', message: error.message };
  if (error instanceof ForbiddenError) return { kind: 'forbidden', message: error.message };
  if (error instanceof MailNotConfiguredError) return { kind: 'forbidden', message: error.message };
  if (error instanceof MailDeliveryError) return { kind: 'undelivered', message: error.message };
  if (error instanceof ConfigError) return { kind: 'config', message: error.message };
  return { kind: 'unexpected' };
}
