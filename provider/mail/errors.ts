// Why a mail was not sent. Both carry only what is safe to log and show: never the message, its
// link, or the SMTP server's credentials.

/** Mail is not set up here (no SSO_SMTP_URL): features that need it are off. */
export class MailNotConfiguredError extends Error {
  readonly code = 'mail_not_configured';
  constructor(feature: string) {
    super(`${feature} is not set up here: SSO has no mail server (SSO_SMTP_URL)`);
    this.name = 'MailNotConfiguredError';
  }
}

/** The mail server could not be reached or did not take the message. */
export class MailDeliveryError extends Error {
  readonly code = 'mail_delivery_failed';
  /** For the log: the transport's error code, the SMTP reply code and command, its reason. */
  readonly details: Record<string, string | number>;
  constructor(details: Record<string, string | number>) {
    super('the mail server did not take the message; try again later');
    this.name = 'MailDeliveryError';
    this.details = details;
  }
}
