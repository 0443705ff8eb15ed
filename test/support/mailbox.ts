// A real SMTP server in the test process (smtp-server, on a loopback port) that keeps every message
// it is given, parsed by mailparser: what SSO sends is read the way a mail client would read it.
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One message as received. */
export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** The whole message as it came over the wire. */
  raw: string;
}

export interface MailboxOptions {
  /** Credentials the server requires (AUTH over the plain connection, as tests allow). */
  auth?: { user: string; pass: string };
}

/** The test's mail server. */
export class Mailbox {
  /** Every message received, in the order they came. */
  readonly messages: ReceivedMail[];
  readonly #server: SMTPServer;
  readonly #port: number;
  readonly #auth: MailboxOptions['auth'];

  private constructor(
    server: SMTPServer,
    port: number,
    auth: MailboxOptions['auth'],
    messages: ReceivedMail[],
  ) {
    this.#server = server;
    this.#port = port;
    this.#auth = auth;
    this.messages = messages;
  }

  /** Starts a server on a free loopback port. */
  static async start(options: MailboxOptions = {}): Promise<Mailbox> {
    const messages: ReceivedMail[] = [];
    const server = new SMTPServer({
      logger: false,
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      allowInsecureAuth: true,
      authOptional: !options.auth,
      onAuth(auth, _session, callback) {
        const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
        if (ok) callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              messages.push({
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                from: {
                  name: parsed.from?.value[0]?.name ?? '',
                  address: parsed.from?.value[0]?.address ?? '',
                },
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw: raw.toString('utf8'),
              });
              callback();
            },
            (error: unknown) => callback(error as Error),
          );
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    return new Mailbox(server, port, options.auth, messages);
  }

  /** The SSO_SMTP_URL that reaches this server (with its credentials, if it has any). */
  get url(): string {
    const auth = this.#auth
      ? `${encodeURIComponent(this.#auth.user)}:${encodeURIComponent(this.#auth.pass)}@`
      : '';
    return `smtp://${auth}127.0.0.1:${this.#port}`;
  }

  /** The messages sent to `address`, in the order they came. */
  to(address: string): ReceivedMail[] {
    return this.messages.filter((message) => message.to.includes(address));
  }

  /** Forgets every message received so far. */
  clear(): void {
    this.messages.length = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * The one link to `path` (under `issuer`) in `mail`: the same in the plain-text and the HTML part
 * (where it is the href of a link), or the test fails.
 */
export function linkIn(mail: ReceivedMail, issuer: string, path: string): string {
  const prefix = `${issuer}${path}`;
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const inText = [...mail.text.matchAll(new RegExp(`${escaped}\\S*`, 'g'))].map((m) => m[0]);
  const inHtml = [...mail.html.matchAll(new RegExp(`href="(${escaped}[^"]*)"`, 'g'))].map((m) =>
    m[1]!.replace(/&amp;/g, '&'),
  );
  if (inText.length !== 1 || inHtml.length !== 1 || inText[0] !== inHtml[0]) {
    throw new Error(
      `expected one link to ${prefix} in both parts, got text ${JSON.stringify(inText)} and html ${JSON.stringify(inHtml)}`,
    );
  }
  return inText[0]!;
}
