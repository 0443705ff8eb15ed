// The console session's cookie: the session's random id, signed with SSO's cookie keys, HttpOnly,
// SameSite=Lax, scoped to the console's path, Secure under an https issuer. The sessions themselves
// are in the store (provider/administration/console-sessions.ts).
import type { Context } from 'koa';
import { timingSafeEqual } from 'node:crypto';
import type {
  ConsoleSession,
  ConsoleSessions,
} from '../../provider/administration/console-sessions.ts';

/** The cookie naming the console session. */
export const SESSION_COOKIE = 'sso_console';

/** Reads and writes the console session's cookie. */
export class SessionCookie {
  readonly #sessions: ConsoleSessions;
  readonly #path: string;
  readonly #secure: boolean;
  readonly #name: string;

  constructor(sessions: ConsoleSessions, path: string, secure: boolean, name = SESSION_COOKIE) {
    this.#sessions = sessions;
    this.#path = path;
    this.#secure = secure;
    this.#name = name;
  }

  /** The live session of this request, or undefined (its stale cookie cleared). */
  async current(ctx: Context): Promise<ConsoleSession | undefined> {
    const id = ctx.cookies.get(this.#name, { signed: true });
    if (!id) return undefined;
    const session = await this.#sessions.find(id);
    if (!session) this.clear(ctx);
    return session;
  }

  /** Names `session` in this browser's cookie. */
  set(ctx: Context, session: ConsoleSession): void {
    ctx.cookies.set(this.#name, session.id, this.#options());
  }

  /** Clears the cookie. */
  clear(ctx: Context): void {
    ctx.cookies.set(this.#name, '', { ...this.#options(), maxAge: 0 });
  }

  #options() {
    return {
      signed: true,
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.#secure,
      path: this.#path,
      overwrite: true,
    };
  }
}

/** Whether `sent` is the session's CSRF token (compared in constant time). */
export function csrfMatches(session: ConsoleSession, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(session.csrf);
  const given = Buffer.from(sent);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
