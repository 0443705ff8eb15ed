// A filter for "the string starts with": an anchored regular expression with the prefix escaped,
// which MongoDB answers from an index on the field.

/** The `$regex` condition matching strings that start with `prefix` (then `rest`, a pattern). */
export function startsWith(prefix: string, rest = ''): { $regex: string } {
  return { $regex: `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${rest}` };
}
