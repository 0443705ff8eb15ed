// The admin API's RFC 9457 problems turned back into the typed errors the local operations throw,
// with the server's own words (which are the same domain messages): the CLI then reports a failure
// in one line, with one exit status, whether the store is here or behind --url.
import { StoreConflictError, StoreUnavailableError } from '../../adapters/store.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { MailDeliveryError } from '../mail/errors.ts';
import { ConcurrentUpdateError, StaleVersionError } from '../versioned-update.ts';
import { RemoteError } from './errors.ts';

/** What a failed call was, for the messages that name it. */
export interface CallContext {
  /** The issuer URL. */
  url: string;
  clientId: string;
  scope: string;
  method: string;
  /** The path under the admin API's root. */
  path: string;
}

interface ProblemBody {
  code: string;
  detail?: string;
  title?: string;
  errors?: { pointer?: unknown; message?: unknown }[];
}

/** The error that the answer `status` with `body` to a call is. */
export function problemError(status: number, body: unknown, call: CallContext): Error {
  const api = `the admin API at ${call.url}`;
  if (!isProblem(body)) {
    if (status === 404) {
      return new RemoteError(
        `${call.url} has no SSO admin API (${call.method} ${call.path} answered 404)`,
      );
    }
    return new RemoteError(`${api} answered ${status} to ${call.method} ${call.path}`);
  }
  const detail = clean(body.detail ?? body.title ?? body.code);
  const client = `client "${call.clientId}" (SSO_ADMIN_CLIENT_ID)`;
  switch (body.code) {
    case 'invalid_input':
      return new ValidationError(fieldOf(body), detail);
    case 'not_found':
      return withMessage(new NotFoundError(''), detail);
    case 'conflict': {
      const taken = /^(\S+) is already taken$/.exec(detail);
      if (taken) return new StoreConflictError(taken[1]!);
      return withMessage(new ConcurrentUpdateError(''), detail);
    }
    case 'precondition_failed': {
      const stale = /^(.+) is at version (\d+), not (\d+): /.exec(detail);
      if (stale) return new StaleVersionError(stale[1]!, Number(stale[3]), Number(stale[2]));
      return withMessage(new StaleVersionError('', 0, 0), detail);
    }
    case 'forbidden':
      return new ForbiddenError(detail);
    case 'temporarily_unavailable':
      return new StoreUnavailableError(detail);
    case 'mail_undelivered':
      return new MailDeliveryError({ remote: 'the server could not deliver the mail' });
    case 'unauthorized':
      return new RemoteError(`${api} refused the access token of ${client}: ${detail}`);
    case 'insufficient_scope':
      return new RemoteError(
        `${client} has a token for ${call.scope} only: ${detail} (see SSO_ADMIN_SCOPE)`,
      );
    default:
      return new RemoteError(`${api} answered ${status} (${clean(body.code)}): ${detail}`);
  }
}

/** `text` from the server, safe on a terminal: control characters replaced. */
export function clean(text: string): string {
  return text.replace(/\p{Cc}/gu, '\uFFFD');
}

function isProblem(body: unknown): body is ProblemBody {
  return (
    typeof body === 'object' && body !== null && typeof (body as ProblemBody).code === 'string'
  );
}

// The input a problem is about: the first pointer's first token ("/groups/0" is groups).
function fieldOf(body: ProblemBody): string {
  const pointer = body.errors?.[0]?.pointer;
  const field = typeof pointer === 'string' ? pointer.replace(/^\//, '').split('/')[0] : '';
  return field ? clean(field) : 'input';
}

function withMessage<E extends Error>(error: E, message: string): E {
  error.message = message;
  return error;
}
