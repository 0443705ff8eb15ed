// The messages SSO sends, one EJS template each under templates/. A template renders three parts
// of its message, chosen by the `part` local: `subject`, `text` (plain text: nothing is escaped,
// there is no markup to escape for) and `html` (every value escaped by `<%= %>`, as on the pages).
import ejs from 'ejs';
import { fileURLToPath } from 'node:url';
import { onColor } from '../branding/colors.ts';
import type { BrandSettings } from '../config.ts';
import type { MailMessage } from './mailer.ts';

const prefersDarkText = (color: string) => onColor(color) === '#000000';

const TEMPLATES = fileURLToPath(new URL('./templates', import.meta.url));

/** The messages there are templates for. */
export type MailTemplate = 'password-reset' | 'registration-verify' | 'registration-exists';

/** The organisation a mail comes from, as its templates show it. */
export interface MailBrand {
  name: string;
  /** An absolute URL of the logo, or undefined. */
  logoUrl: string | undefined;
  /** `#rrggbb` of the link button, or undefined for a neutral one. */
  color: string | undefined;
  /** Whether `color` needs dark text on it (a light colour). */
  darkText: boolean;
}

/** What every template gets: who it is for, where it comes from, and the message's own values. */
export interface MailLocals {
  /** The issuer's host, which people know SSO by (`sso.example.com`). */
  site: string;
  brand: MailBrand;
  [name: string]: unknown;
}

/** The mails' brand from the configuration; a logo path is made absolute on the issuer's origin. */
export function mailBrand(brand: Readonly<BrandSettings>, issuer: string): MailBrand {
  return {
    name: brand.name,
    logoUrl: brand.logoUrl && new URL(brand.logoUrl, new URL(issuer).origin).href,
    color: brand.primaryColor,
    darkText: brand.primaryColor !== undefined && prefersDarkText(brand.primaryColor),
  };
}

/** `template` rendered for `to` with `locals`. */
export async function renderMail(
  template: MailTemplate,
  to: string,
  locals: MailLocals,
): Promise<MailMessage> {
  const file = `${TEMPLATES}/${template}.ejs`;
  const { color, darkText } = locals.brand;
  // Mail clients ignore stylesheets: the main link is a button of the brand's colour inline.
  const buttonCss = color
    ? `display:inline-block;padding:10px 18px;border-radius:6px;text-decoration:none;background:${color};color:${darkText ? '#000000' : '#ffffff'}`
    : '';
  const render = (part: 'subject' | 'text' | 'html') =>
    ejs.renderFile(
      file,
      { ...locals, buttonCss, part },
      { cache: true, ...(part === 'html' ? {} : { escape: (value: unknown) => String(value) }) },
    );
  const [subject, text, html] = await Promise.all([
    render('subject'),
    render('text'),
    render('html'),
  ]);
  return { to, subject: subject.replace(/\s+/g, ' ').trim(), text: text.trim() + '\n', html };
}
