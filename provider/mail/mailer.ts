// Outgoing mail over SMTP with nodemailer, set up by SSO_SMTP_URL and SSO_MAIL_FROM. One message at
// a time, each on its own connection (SSO sends few); short timeouts, so that a mail server that
// hangs costs seconds, not minutes. Nothing about a message (its body, its link) and nothing of the
// URL (its password) is logged: a failure becomes a MailDeliveryError whose details are the
// transport's error code, the SMTP reply code and command, and a reason without the message.
import type { Transporter } from 'nodemailer';
import type { MailSettings } from '../config.ts';
import { MailDeliveryError, MailNotConfiguredError } from './errors.ts';

/** One message, already rendered (see templates.ts). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail, or says that it cannot. */
export interface Mailer {
  /** Whether a mail server is set up; when not, `send` throws MailNotConfiguredError. */
  readonly configured: boolean;
  /** Hands `message` to the mail server; MailDeliveryError when it does not take it. */
  send(message: MailMessage): Promise<void>;
  /** Releases the transport. */
  close(): void;
}

const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
const REASON_MAX = 200;

/** The mailer of `settings`: one that refuses every message when no SMTP URL is set. */
export function createMailer(settings: Readonly<MailSettings>): Mailer {
  const { smtpUrl, from } = settings;
  if (smtpUrl === undefined || from === undefined) {
    return {
      configured: false,
      send: () => Promise.reject(new MailNotConfiguredError('mail')),
      close: () => undefined,
    };
  }
  // nodemailer is loaded with the first message: a server that sends none does not hold it. The
  // promise is kept, so that messages sent at once share one transport.
  let transport: Promise<Transporter> | undefined;
  return {
    configured: true,
    async send(message) {
      try {
        transport ??= import('nodemailer').then(({ createTransport }) =>
          createTransport({ url: smtpUrl, ...TIMEOUTS, logger: false, debug: false }),
        );
        const made = await transport;
        await made.sendMail({
          from,
          ...message,
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (error) {
        throw new MailDeliveryError(failureDetails(error, smtpUrl));
      }
    },
    close: () =>
      void transport?.then(
        (made) => made.close(),
        () => undefined,
      ),
  };
}

// What a transport error says that is safe to log (the URL's password masked, should it appear).
function failureDetails(error: unknown, smtpUrl: string): Record<string, string | number> {
  const { code, responseCode, command, message } = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as Record<string, unknown>;
  const secret = decodeURIComponent(new URL(smtpUrl).password);
  let reason = typeof message === 'string' ? message : 'unknown error';
  if (secret) reason = reason.split(secret).join('***');
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof responseCode === 'number' ? { responseCode } : {}),
    ...(typeof command === 'string' ? { command } : {}),
    reason: reason.replace(/\s+/g, ' ').slice(0, REASON_MAX),
  };
}
