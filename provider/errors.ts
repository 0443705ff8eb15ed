// Errors that the service's own layers (CLI, admin, interactions) raise for bad input. Each carries a
// stable `code`; the message is safe to show to the person who gave the input.

/** Input that breaks a rule; `field` names the input. */
export class ValidationError extends Error {
  readonly code = 'invalid_input';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ValidationError';
    this.field = field;
  }
}

/** The named thing does not exist. */
export class NotFoundError extends Error {
  readonly code = 'not_found';
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

/** The operation is not allowed, whoever asks (for example removing SSO's own console client). */
export class ForbiddenError extends Error {
  readonly code = 'forbidden';
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
