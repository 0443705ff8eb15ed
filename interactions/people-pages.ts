// What the pages people use by themselves (password reset, registration) share: the form parser,
// reading fields, the message page, the pages about links that cannot be used, and the way back
// to the sign-in page they came from.
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { deadLinkStatus, type DeadLink } from '../provider/people/link-state.ts';
import type { Text } from './i18n/locales.ts';
import { renderPage } from './render.ts';

const MAX_FIELD = 1024;
const UID = /^[\w-]{1,128}$/;

/** Parses the urlencoded forms of these pages (16 KiB at most). */
export const peopleForm = bodyParser({
  enableTypes: ['form'],
  formLimit: '16kb',
  encoding: 'utf-8',
});

/** The posted form's fields. */
export function formFields(ctx: Context): Record<string, unknown> {
  return (ctx.request.body ?? {}) as Record<string, unknown>;
}

/** A form field or query parameter as text: '' when missing, repeated or too long. */
export function field(value: unknown): string {
  return typeof value === 'string' && value.length <= MAX_FIELD ? value : '';
}

/**
 * The sign-in page (`/interaction/<uid>`) these pages were opened from, by the `return` query
 * parameter or form field, to link back to; undefined when there is none or it is malformed.
 */
export function returnUid(ctx: Context): string | undefined {
  const value = field(formFields(ctx).return) || field(ctx.query.return);
  return UID.test(value) ? value : undefined;
}

/** Renders the message page: a title, sentences, and optionally a link onwards. */
export async function showMessage(
  ctx: Context,
  status: number,
  page: { title: Text; message: Text; more?: Text; link?: { href: string; text: Text } },
): Promise<void> {
  await renderPage(ctx, 'people-message', {
    more: undefined,
    link: undefined,
    returnUid: returnUid(ctx),
    ...page,
  });
  ctx.status = status;
}

/** The page about a link that cannot be used, with a link to ask for a new one at `again`. */
export async function showDeadLink(
  ctx: Context,
  link: DeadLink,
  again: { href: string; text: Text },
): Promise<void> {
  const pages: Record<DeadLink['state'], { title: Text; message: Text }> = {
    malformed: { title: 'link.malformedTitle', message: 'link.malformed' },
    unknown: { title: 'link.unknownTitle', message: 'link.unknown' },
    expired: { title: 'link.expiredTitle', message: 'link.expired' },
    used: { title: 'link.usedTitle', message: 'link.used' },
  };
  await showMessage(ctx, deadLinkStatus(link), { ...pages[link.state], link: again });
}

/** The page for an address that asked too often: 429 with Retry-After. */
export async function showTooMany(ctx: Context, retryAfter: number): Promise<void> {
  ctx.set('Retry-After', String(retryAfter));
  await showMessage(ctx, 429, {
    title: 'tooMany.title',
    message: { key: 'tooMany.message', values: { time: { seconds: retryAfter } } },
  });
}

/** The issuer's path, as the app put it in the request's state. */
export function basePathOf(ctx: Context): string {
  return (ctx.state as { basePath?: string }).basePath ?? '';
}
