// Reading input: one line from piped stdin, or a typed answer at the terminal without echo.
import { InterruptedError, UsageError } from './errors.ts';

/** Longest line read from stdin; longer input is refused rather than buffered. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * The first line of stdin without its line ending (`\n` or `\r\n`), or undefined when stdin is
 * empty. Stops reading at the first newline.
 */
export async function readStdinLine(): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let sawInput = false;
  for await (const chunk of process.stdin as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    sawInput ||= bytes.length > 0;
    const newline = bytes.indexOf(0x0a);
    chunks.push(newline >= 0 ? bytes.subarray(0, newline) : bytes);
    size += bytes.length;
    if (newline >= 0) break;
    if (size > MAX_LINE_BYTES) throw new UsageError('the line on stdin is too long');
  }
  if (!sawInput) return undefined;
  return Buffer.concat(chunks).toString('utf8').replace(/\r$/, '');
}

/** Whether a person can answer prompts (stdin is a terminal). */
export function isInteractive(): boolean {
  return process.stdin.isTTY === true;
}

/**
 * Asks `question` on stderr and reads an answer from the terminal without echoing it. Enter ends
 * the answer, Backspace deletes, Ctrl-C throws InterruptedError, Ctrl-D on an empty answer too.
 */
export async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  stdin.setRawMode(true); // before the question, so that nothing typed after it is echoed
  process.stderr.write(question);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let answer: string[] = [];
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer.join(''));
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new InterruptedError());
        if (char === '\u0004') return finish(answer.length ? undefined : new InterruptedError());
        if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1);
        else if (char >= ' ') answer.push(char);
      }
    };
    stdin.on('data', onData);
  });
}
