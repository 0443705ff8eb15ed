// RFC 9457 problem details: the one shape of every admin API error, with a stable `code`. Which
// problem an error is comes from error-kinds.ts (by class), as for the other HTTP surfaces.
import type { Context } from 'koa';
import { errorKind } from '../../provider/error-kinds.ts';
import { STORE_OUTAGE_DESCRIPTION } from '../../provider/oidc/outage.ts';

/** A stable problem code (see the Problem schema in openapi.ts). */
export type ProblemCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'insufficient_scope'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'precondition_failed'
  | 'precondition_required'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'temporarily_unavailable'
  | 'mail_undelivered'
  | 'server_error';

const STATUS: Record<ProblemCode, [number, string]> = {
  invalid_input: [400, 'Bad input'],
  unauthorized: [401, 'Unauthorized'],
  insufficient_scope: [403, 'Insufficient scope'],
  forbidden: [403, 'Forbidden'],
  not_found: [404, 'Not found'],
  method_not_allowed: [405, 'Method not allowed'],
  conflict: [409, 'Conflict'],
  precondition_failed: [412, 'Precondition failed'],
  precondition_required: [428, 'Precondition required'],
  payload_too_large: [413, 'Payload too large'],
  unsupported_media_type: [415, 'Unsupported media type'],
  temporarily_unavailable: [503, 'Temporarily unavailable'],
  mail_undelivered: [503, 'Mail not delivered'],
  server_error: [500, 'Server error'],
};

/** One failed rule of the input: where (a JSON pointer into the body or a parameter name), what. */
export interface InputError {
  pointer: string;
  message: string;
}

/** An error the admin API answers as a problem. */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly errors: InputError[] | undefined;
  /** Extra response headers (WWW-Authenticate, Allow). */
  readonly headers: Record<string, string>;
  constructor(
    code: ProblemCode,
    detail: string,
    options: { errors?: InputError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'Problem';
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

/** The problem `error` is: Problems as they are, SSO's own errors by kind, anything else a 500. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  const known = errorKind(error);
  switch (known.kind) {
    case 'invalid':
      return new Problem('invalid_input', known.message, {
        errors: [{ pointer: `/${known.field}`, message: known.message }],
      });
    case 'conflict':
    case 'concurrent':
      return new Problem('conflict', known.message);
    case 'not_found':
      return new Problem('not_found', known.message);
    case 'stale':
      return new Problem('precondition_failed', known.message);
    case 'forbidden':
      return new Problem('forbidden', known.message);
    case 'unavailable':
      return new Problem('temporarily_unavailable', STORE_OUTAGE_DESCRIPTION);
    case 'undelivered':
      return new Problem('mail_undelivered', known.message);
    case 'config':
    case 'unexpected':
      break;
  }
  // Koa's HttpErrors meant to be shown (the body parser's 413 and 415, a malformed body's 400).
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  if (e.expose === true && typeof e.status === 'number') {
    const code: ProblemCode =
      e.status === 413
        ? 'payload_too_large'
        : e.status === 415
          ? 'unsupported_media_type'
          : 'invalid_input';
    const detail = code === 'invalid_input' ? 'the body is not valid JSON' : String(e.message);
    return new Problem(code, detail);
  }
  return new Problem('server_error', 'Something went wrong on our side. Try again later.');
}

/** Answers `problem` as application/problem+json. */
export function sendProblem(ctx: Context, problem: Problem): void {
  const [status, title] = STATUS[problem.code];
  for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/problem+json';
  ctx.body = {
    type: `urn:sso:problem:${problem.code}`,
    title,
    status,
    detail: problem.message,
    code: problem.code,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}
