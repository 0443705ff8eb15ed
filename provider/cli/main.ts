// `npm run sso -- <group> <command> …`: the command-line tool that manages the store. Exits 0 when
// done, 1 when the command failed, 2 when it was used wrongly; problems are one line on stderr.
import { runCli } from './cli.ts';
import { describeFailure } from './errors.ts';

// A closed pipe (`sso users list | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  process.exit(error.code === 'EPIPE' ? 0 : 1);
});

// Last resort: whatever escapes is still reported as one line.
const crash = (error: unknown) => {
  process.stderr.write(`sso: ${describeFailure(error).message}\n`);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

const status = await runCli(process.argv.slice(2), process.env);
process.exitCode = status;
// Nothing should keep the process alive once the store is closed; if something does, do not hang.
setTimeout(() => process.exit(status), 2000).unref();
