// A sign-in between its first factor and its second: which account passed the first (and how),
// kept for the interaction's lifetime under the interaction's uid (a Ticket, removed with the
// account). The interaction cookie binds the uid to the browser, so only that browser goes on.
import type { Store } from '../../adapters/store.ts';

/** How far a sign-in got. */
export interface PendingSignIn {
  accountId: string;
  /** The first factor passed: a password, or a session's earlier sign-in (a step-up). */
  first: 'password' | 'session';
  /** An authenticator app was enrolled during this sign-in; its recovery codes were shown. */
  enrolled?: boolean;
}

/** Pending sign-ins over the store. */
export class SignInSteps {
  readonly #store: Store;
  readonly #ttl: number;

  /** `ttl`: the interaction lifetime, seconds. */
  constructor(store: Store, ttl: number) {
    this.#store = store;
    this.#ttl = ttl;
  }

  /** Records that `uid`'s sign-in passed its first factor as `accountId`. */
  async start(uid: string, pending: PendingSignIn): Promise<void> {
    await this.#store.oidc.upsert('Ticket', id(uid), { ...pending }, this.#ttl);
  }

  /** The pending sign-in of `uid`, if any. */
  async get(uid: string): Promise<PendingSignIn | undefined> {
    const record = await this.#store.oidc.find('Ticket', id(uid));
    if (typeof record?.accountId !== 'string') return undefined;
    return {
      accountId: record.accountId,
      first: record.first === 'session' ? 'session' : 'password',
      ...(record.enrolled === true ? { enrolled: true } : {}),
    };
  }

  /** Forgets `uid`'s pending sign-in (it finished or was cancelled). */
  async end(uid: string): Promise<void> {
    await this.#store.oidc.destroy('Ticket', id(uid));
  }
}

function id(uid: string): string {
  return `signin:${uid}`;
}
