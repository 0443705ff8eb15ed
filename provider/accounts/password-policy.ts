// The password policy: the one rule every new password meets, however it is set (the CLI, the
// console, the admin API, the first administrator, a reset link, a registration). It follows NIST
// SP 800-63B §3.1.1.2: a length of 8 to 256 characters and no password that is known to be common,
// with no composition rules. "Common" is the list of @zxcvbn-ts/language-common: the ~49,000
// passwords found more than ten times in a published corpus of ten million leaked passwords,
// lower-cased; it ships inside the package, so the check makes no network call. The list leaves out
// what zxcvbn finds by pattern instead, so runs of one character (`aaaaaaaa`) and of consecutive
// characters (`abcdefgh`, `87654321`) are refused here too.
import { dictionary } from '@zxcvbn-ts/language-common';
import { ValidationError } from '../errors.ts';
import { PASSWORD_LENGTH } from './passwords.ts';

// Built on first use: 49,000 strings are not worth holding in a CLI command that sets no password.
let common: ReadonlySet<string> | undefined;

/** The words people are told when a password is refused for being common. */
export const COMMON_PASSWORD_MESSAGE =
  'this password is one of the most common ones, which attackers try first: choose another (a few unrelated words make a good one)';

/** Throws ValidationError (field `password`) unless `password` meets the policy. */
export function checkPassword(password: string): void {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new ValidationError(
      'password',
      `password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters long`,
    );
  }
  if (isCommon(password)) throw new ValidationError('password', COMMON_PASSWORD_MESSAGE);
}

/** Whether `password` is on the common-password list, or one character or a run of them repeated. */
export function isCommon(password: string): boolean {
  const lower = password.toLowerCase();
  common ??= new Set(dictionary['passwords-common']);
  return common.has(lower) || isRun(lower);
}

// One character repeated, or consecutive characters in either direction (by code point).
function isRun(text: string): boolean {
  const points = [...text].map((char) => char.codePointAt(0)!);
  if (points.length < 2) return true;
  const step = points[1]! - points[0]!;
  if (Math.abs(step) > 1) return false;
  return points.every((point, i) => i === 0 || point - points[i - 1]! === step);
}
