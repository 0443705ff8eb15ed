// `sso audit …`: the security events SSO keeps (sign-ins, lockouts, failed client authentication,
// administrative changes), newest first, filtered.
import type { AuditEvent, AuditFilter } from '../../adapters/store.ts';
import { duration } from './args.ts';
import type { Command, CommandGroup } from './command.ts';
import { UsageError } from './errors.ts';
import { humanTime, isoTime, printJson, printTable } from './output.ts';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;

/** An event as the CLI shows it. */
export function eventView(event: AuditEvent) {
  const { expiresAt: _expiresAt, time, ...rest } = event;
  return { time: isoTime(time), ...rest };
}

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

function details(event: AuditEvent): string {
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
    const filter: AuditFilter = { limit };
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
    const events = await (await context.services()).audit.list(filter);
    if (context.json) return printJson(events.map(eventView));
    printTable(
      ['time', 'type', 'actor', 'user', 'client', 'address', 'details'],
      events.map((event) => [
        humanTime(event.time),
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
