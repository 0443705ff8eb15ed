// Reading the console's HTML forms: text fields, one-per-line lists, checkboxes, repeated values.

/** A text field, trimmed; '' when absent or not text. */
export function text(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A textarea of one value per line (or comma-separated), without empty entries. */
export function lines(form: Record<string, unknown>, name: string): string[] {
  return text(form, name)
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter(Boolean);
}

/** A checkbox: checked when present. */
export function checked(form: Record<string, unknown>, name: string): boolean {
  return form[name] !== undefined && form[name] !== '';
}

/** Every value of a field that may repeat (checkbox groups). */
export function values(form: Record<string, unknown>, name: string): string[] {
  const value = form[name];
  const all = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return all.filter((item): item is string => typeof item === 'string' && item !== '');
}

/** The record version a form was made against (its hidden `version` field). */
export function version(form: Record<string, unknown>): number | undefined {
  const value = text(form, 'version');
  return /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** A query parameter given once, or undefined. */
export function queryParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 500) : undefined;
}
