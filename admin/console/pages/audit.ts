// Console page for the audit log: newest first, filtered by user, application, type and time, paged.
import { ValidationError } from '../../../provider/errors.ts';
import type { AuditQuery } from '../../../provider/administration/operations.ts';
import type { PageRouter } from '../console.ts';
import { queryParam } from '../forms.ts';

/** Registers the audit page. */
export function auditPages(pages: PageRouter): void {
  pages.get('/audit', async ({ ctx, admin, render }) => {
    const filters = {
      user: queryParam(ctx.query, 'user'),
      client: queryParam(ctx.query, 'client'),
      type: queryParam(ctx.query, 'type'),
      since: queryParam(ctx.query, 'since'),
      until: queryParam(ctx.query, 'until'),
    };
    const query: AuditQuery = { limit: 50 };
    if (filters.user) query.user = filters.user;
    if (filters.client) query.clientId = filters.client;
    if (filters.type) query.type = filters.type;
    if (filters.since) query.since = instant('since', filters.since);
    if (filters.until) query.until = instant('until', filters.until);
    const cursor = queryParam(ctx.query, 'cursor');
    if (cursor) query.cursor = cursor;
    const events = await admin.audit.list(query);
    const next = events.next
      ? `?${new URLSearchParams({ ...definedOnly(filters), cursor: events.next }).toString()}`
      : undefined;
    await render('audit', {
      title: 'Audit log',
      nav: 'audit',
      events: events.items,
      filters,
      next,
    });
  });
}

// A date or date-time from a form field (the browser's date input gives YYYY-MM-DD).
function instant(name: string, value: string): number {
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new ValidationError(name, `${name} must be a date (got "${value}")`);
  return time;
}

function definedOnly(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
