// Where a new password comes from. Never from an argument (it would land in shell history and the
// process list): the first line of stdin with --password-stdin, else a prompt (twice, without echo)
// when a person is at the terminal, else nowhere: a usage error.
import { PASSWORD_LENGTH } from '../accounts/passwords.ts';
import { ValidationError } from '../errors.ts';
import { UsageError } from './errors.ts';
import { isInteractive, promptHidden, readStdinLine } from './terminal.ts';

/**
 * The new password: from stdin when `fromStdin`, else typed twice at the terminal. `alternatives`
 * completes the usage error raised when neither is possible ("… or use --no-password").
 */
export async function readNewPassword(fromStdin: boolean, alternatives = ''): Promise<string> {
  if (fromStdin) {
    const line = await readStdinLine();
    if (line === undefined) {
      throw new ValidationError('password', '--password-stdin was given but stdin is empty');
    }
    return line;
  }
  if (!isInteractive()) {
    throw new UsageError(
      `no password given: pipe it on one line with --password-stdin${alternatives}, or run in a terminal to be prompted`,
    );
  }
  const password = await promptHidden('New password: ');
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new ValidationError(
      'password',
      `password must be ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters long`,
    );
  }
  if ((await promptHidden('Repeat password: ')) !== password) {
    throw new ValidationError('password', 'the two passwords do not match');
  }
  return password;
}
