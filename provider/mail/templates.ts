// The messages SSO sends, one EJS template each under templates/. A template renders three parts
// of its message, chosen by the `part` local: `subject`, `text` (plain text: nothing is escaped,
// there is no markup to escape for) and `html` (every value escaped by `<%= %>`, as on the pages).
import ejs from 'ejs';
import { fileURLToPath } from 'node:url';
import type { MailMessage } from './mailer.ts';

const TEMPLATES = fileURLToPath(new URL('./templates', import.meta.url));

/** The messages there are templates for. */
export type MailTemplate = 'password-reset' | 'registration-verify' | 'registration-exists';

/** What every template gets: who it is for, where it comes from, and the message's own values. */
export interface MailLocals {
  /** The issuer's host, which people know SSO by (`sso.example.com`). */
  site: string;
  [name: string]: unknown;
}

/** `template` rendered for `to` with `locals`. */
export async function renderMail(
  template: MailTemplate,
  to: string,
  locals: MailLocals,
): Promise<MailMessage> {
  const file = `${TEMPLATES}/${template}.ejs`;
  const render = (part: 'subject' | 'text' | 'html') =>
    ejs.renderFile(
      file,
      { ...locals, part },
      { cache: true, ...(part === 'html' ? {} : { escape: (value: unknown) => String(value) }) },
    );
  const [subject, text, html] = await Promise.all([
    render('subject'),
    render('text'),
    render('html'),
  ]);
  return { to, subject: subject.replace(/\s+/g, ' ').trim(), text: text.trim() + '\n', html };
}
