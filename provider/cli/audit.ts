// `sso audit …`: the security events SSO keeps (sign-ins, lockouts, failed client authentication,
// administrative changes), newest first, filtered.
import type { AuditQuery } from '../administration/operations.ts';
import type { EventView } from '../administration/views.ts';
import { duration } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { humanTime, printJson, printTable } from './output.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

// Events per request to the store (or the admin API).
const PAGE = 1000;

// `--since` and `--until`: a duration back from now (`24h`) or a date (`2026-11-30T08:00:00Z`).
function instant(name: string, value: string, now: number): number {
  if (/^\d+[smhd]?$/.test(value.trim())) return now - duration(name, value) * 1000;
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new UsageError(
      `--${name} must be a duration back from now (24h) or a date (got "${value}")`,
    );
  }
  return time;
}

function details(event: EventView): string {
  return Object.entries(event.details ?? {})
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
}

const listEvents: Command = {
  readOnly: true,
  name: 'list',
  args: [],
  summary: 'list security events, newest first',
  options: {
    type: {
      type: 'string',
      value: 'TYPE',
      help: 'an event type, or its start up to a dot (login matches login.failure)',
    },
    user: { type: 'string', value: 'USER', help: 'a username or account id' },
    client: { type: 'string', value: 'CLIENT_ID', help: 'a client id' },
    ip: { type: 'string', value: 'ADDRESS', help: 'a client address' },
    since: { type: 'string', value: 'WHEN', help: 'from this long ago (24h) or this date' },
    until: { type: 'string', value: 'WHEN', help: 'before this long ago or this date' },
    limit: { type: 'string', value: 'N', help: `at most N events (default ${DEFAULT_LIMIT})` },
  },
  notes: [
    'Types: login.success, login.failure, login.lockout, login.unlock, device.code.failure,',
    'device.code.lockout, client.auth.failure, password.change, and user.*, client.*, api.*,',
    'keys.* and store.* for changes. Events are kept for SSO_AUDIT_RETENTION (90 days); attempts',
    'refused during a lockout are only in the service log.',
  ],
  async run(args, context) {
    const now = Date.now();
    const limitText = args.string('limit');
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!/^\d+$/.test(limitText ?? '1') || limit < 1 || limit > MAX_LIMIT) {
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
    }
    const filter: AuditQuery = {};
    const type = args.string('type');
    if (type !== undefined) filter.type = type;
    const user = args.string('user');
    if (user !== undefined) filter.user = user.trim().toLowerCase();
    const client = args.string('client');
    if (client !== undefined) filter.clientId = client;
    const ip = args.string('ip');
    if (ip !== undefined) filter.ip = ip;
    const since = args.string('since');
    if (since !== undefined) filter.since = instant('since', since, now);
    const until = args.string('until');
    if (until !== undefined) filter.until = instant('until', until, now);
    const admin = await context.admin();
    const events: EventView[] = [];
    let cursor: string | undefined;
    do {
      const page = await admin.audit.list({
        ...filter,
        limit: Math.min(PAGE, limit - events.length),
        ...(cursor ? { cursor } : {}),
      });
      events.push(...page.items);
      cursor = page.next;
    } while (cursor && events.length < limit);
    if (context.json) return printJson(events);
    printTable(
      ['time', 'type', 'actor', 'user', 'client', 'address', 'details'],
      events.map((event) => [
        humanTime(Date.parse(event.time)),
        event.type,
        event.actor,
        event.username ?? '-',
        event.clientId ?? '-',
        event.ip ?? '-',
        details(event) || '-',
      ]),
      'No events.',
    );
  },
};

/** The `audit` group. */
export const auditCommands: CommandGroup = {
  name: 'audit',
  summary: 'security events: sign-ins, lockouts, changes',
  commands: [listEvents],
};
