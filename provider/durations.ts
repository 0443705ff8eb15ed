// Durations written the way people write them: `90`, `90s`, `15m`, `12h`, `14d` (seconds if bare).

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in `text`, or undefined when it is not a whole, non-negative duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] || 's']!;
}

/** `seconds` written back in the largest unit that divides it (3600 → `1h`). */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    const size = UNITS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

const NAMES: Record<string, string> = { d: 'day', h: 'hour', m: 'minute', s: 'second' };

/** `seconds` in words, exactly, in the largest unit that divides it (1800 → `30 minutes`). */
export function spokenDuration(seconds: number): string {
  const [, count = '0', unit = 's'] = /^(\d+)([smhd])$/.exec(formatDuration(seconds)) ?? [];
  return `${count} ${NAMES[unit]}${count === '1' ? '' : 's'}`;
}
