// What commands print on stdout: JSON for scripts (`--json`), tidy tables and `field: value` lines
// for people. Text meant for a terminal has control characters replaced, so stored values cannot
// drive the terminal.

/** Writes `text` to stdout as it is. */
export function print(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `value` as indented JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes a one-line warning on stderr (`sso: warning: …`). */
export function warn(message: string): void {
  process.stderr.write(`sso: warning: ${message}\n`);
}

/** Writes rows under upper-case column headings, aligned; `empty` when there are no rows. */
export function printTable(
  columns: readonly string[],
  rows: readonly string[][],
  empty: string,
): void {
  if (rows.length === 0) {
    print(empty);
    return;
  }
  const cells = [
    columns.map((column) => column.toUpperCase()),
    ...rows.map((row) => row.map(safe)),
  ];
  const widths = columns.map((_, index) =>
    Math.max(...cells.map((row) => [...(row[index] ?? '')].length)),
  );
  for (const row of cells) {
    const padded = row.map((cell, index) =>
      index === row.length - 1
        ? cell
        : cell.padEnd((widths[index] ?? 0) + cell.length - [...cell].length),
    );
    print(padded.join('  ').trimEnd());
  }
}

/** Writes `label: value` lines with the values aligned; undefined values are left out. */
export function printFields(fields: readonly (readonly [string, string | undefined])[]): void {
  const shown = fields.filter(
    (field): field is readonly [string, string] => field[1] !== undefined,
  );
  const width = Math.max(...shown.map(([label]) => label.length)) + 1;
  for (const [label, value] of shown) print(`${`${label}:`.padEnd(width)} ${safe(value)}`);
}

/** A time for people: ISO 8601 in UTC, to the second. */
export function humanTime(epochMs: number | undefined): string {
  return epochMs === undefined ? '-' : new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A time for scripts: ISO 8601 in UTC, or undefined (left out of JSON). */
export function isoTime(epochMs: number | undefined): string | undefined {
  return epochMs === undefined ? undefined : new Date(epochMs).toISOString();
}

/** A list for a table cell or field: comma-separated, `-` when empty. */
export function list(values: readonly string[]): string {
  return values.length ? values.join(', ') : '-';
}

// Control characters (escape sequences, newlines) replaced, for terminal output.
function safe(text: string): string {
  return text.replace(/\p{Cc}/gu, '\uFFFD');
}
