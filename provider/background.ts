// Work done after the answer has gone, so that how long the answer takes tells nothing about it
// (whether an account exists, whether a mail went out). Each task is tracked until it ends: the
// service waits for them when it stops, and tests wait for them before looking for a mail.
import { describeError, type Logger } from './log.ts';

/** Tasks running after their request was answered. */
export class BackgroundWork {
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Starts `task` without waiting for it; a failure is logged as "`what` failed", never thrown. */
  run(what: string, task: () => Promise<void>): void {
    const running: Promise<void> = Promise.resolve()
      .then(task)
      .catch((error: unknown) => this.#log.error(`${what} failed`, describeError(error)))
      .finally(() => this.#pending.delete(running));
    this.#pending.add(running);
  }

  /** Resolves once every task started so far, and every task those started, has ended. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.allSettled([...this.#pending]);
  }
}
