// The one place where MongoDB driver errors become the store's typed errors. Errors are recognised
// by shape (name, code), never by instanceof: they may come from another realm than the caller's.
import { StoreUnavailableError } from '../store.ts';
import { redact, type MongoUriInfo } from './uri.ts';

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  keyPattern?: unknown;
}

// Driver errors that mean "our code called the driver wrongly", not "the server can't serve us".
const PROGRAMMING_ERRORS = new Set(['MongoInvalidArgumentError', 'MongoAPIError']);

/** Whether `error` is a unique-index violation, as MongoDB, DocumentDB or FerretDB reports it. */
export function isDuplicateKey(error: unknown): boolean {
  const shape = asShape(error);
  if (!shape) return false;
  if (shape.code === 11000 || shape.code === 11001) return true;
  // FerretDB 1.x reports a unique-index violation by an update as InternalError (code 1).
  return (
    shape.code === 1 &&
    typeof shape.message === 'string' &&
    shape.message.includes('UNIQUE constraint failed')
  );
}

/**
 * The field or index named by a duplicate-key error (`_id`, `username`, …), when the server says;
 * MongoDB sends `keyPattern`, FerretDB sometimes only an index name in the message.
 */
export function duplicateKeyName(
  error: unknown,
  indexNames: readonly string[],
): string | undefined {
  const shape = asShape(error);
  if (!shape) return undefined;
  if (typeof shape.keyPattern === 'object' && shape.keyPattern !== null) {
    const [first] = Object.keys(shape.keyPattern);
    if (first !== undefined) return first;
  }
  const message = typeof shape.message === 'string' ? shape.message : '';
  return indexNames.find((name) => new RegExp(`\\b\\w*${name}\\b`).test(message));
}

// Socket errors the driver sometimes lets through unwrapped when a connection dies mid-command.
const NETWORK_CODES = new Set([
  'EPIPE',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Whether `error` comes from the driver, the server or the connection to it (the store's to translate). */
export function isMongoError(error: unknown): boolean {
  const shape = asShape(error);
  if (typeof shape?.name === 'string' && shape.name.startsWith('Mongo')) return true;
  return typeof shape?.code === 'string' && NETWORK_CODES.has(shape.code);
}

/** A StoreUnavailableError for a driver/server error, its message scrubbed of credentials. */
export function unavailable(error: unknown, uri: MongoUriInfo, doing = 'unavailable') {
  const shape = asShape(error);
  const reason = typeof shape?.message === 'string' && shape.message ? shape.message : 'no reason';
  return new StoreUnavailableError(
    `MongoDB store ${doing} (${uri.target}): ${redact(reason, uri)}`,
  );
}

/** Runs `op`, turning driver and server failures into StoreUnavailableError; others pass through. */
export async function guarded<T>(uri: MongoUriInfo, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (isMongoError(error) && !PROGRAMMING_ERRORS.has(String(asShape(error)?.name))) {
      throw unavailable(error, uri);
    }
    throw error;
  }
}

function asShape(error: unknown): ErrorShape | undefined {
  return typeof error === 'object' && error !== null ? error : undefined;
}
