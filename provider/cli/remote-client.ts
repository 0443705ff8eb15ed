// The CLI's HTTP client of a server's admin API (--url): the token endpoint found by discovery, one
// client-credentials token for the admin API per run, and each call made with it. Every failure is
// one typed error (remote-problems.ts); the secret and the token are in no message and no log line.
import { StoreUnavailableError } from '../../adapters/store.ts';
import { adminApiAudience } from '../administration/system.ts';
import type { Logger } from '../log.ts';
import { RemoteError } from './errors.ts';
import { clean, problemError } from './remote-problems.ts';
import type { RemoteTarget } from './remote-target.ts';

/** How long one request may take before the CLI gives up. */
const TIMEOUT_MS = 30_000;

/** A successful answer: its status, JSON body (undefined when empty) and ETag. */
export interface AdminAnswer<T> {
  status: number;
  body: T;
  etag: string | undefined;
}

export interface CallOptions {
  /** Query parameters; undefined ones are left out. */
  query?: Readonly<Record<string, string | number | undefined>>;
  /** A JSON body. */
  body?: unknown;
  ifMatch?: string;
}

/** Calls of the admin API at one server, as one machine client. */
export interface AdminApiClient {
  /** `method path` (under `<issuer>/admin/api`); a typed error for any failure. */
  call<T>(method: string, path: string, options?: CallOptions): Promise<AdminAnswer<T>>;
}

/** A client of the admin API of `target`; nothing is sent before the first call. */
export function adminApiClient(
  target: RemoteTarget,
  log?: Logger,
  fetchImpl: typeof fetch = fetch,
): AdminApiClient {
  const root = `${target.url}/admin/api`;
  let token: Promise<string> | undefined;

  // One request; a redirect is not followed (the secret and the token go to this origin only).
  const send = async (url: string, init: RequestInit) => {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw unreachable(target.url, error);
    }
    log?.debug('admin API request', {
      method: init.method ?? 'GET',
      url: url.split('?')[0],
      status: response.status,
    });
    if (response.status >= 300 && response.status < 400) {
      const location = clean(response.headers.get('location') ?? 'elsewhere');
      throw new RemoteError(
        `${url.split('?')[0]} answered with a redirect to ${location}: give --url the issuer's own URL`,
      );
    }
    return { response, body: parseJson(text) };
  };

  const discover = async (): Promise<string> => {
    const url = `${target.url}/.well-known/openid-configuration`;
    const { response, body } = await send(url, { headers: { Accept: 'application/json' } });
    const metadata = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const { issuer, token_endpoint: endpoint } = metadata;
    if (!response.ok || typeof issuer !== 'string' || typeof endpoint !== 'string') {
      const why = response.ok ? 'is not a discovery document' : `answered ${response.status}`;
      throw new RemoteError(
        `${target.url} is not an SSO server: ${target.url}/.well-known/openid-configuration ${why}`,
      );
    }
    if (issuer !== target.url) {
      throw new RemoteError(
        `${target.url} is not the issuer of the server there (its issuer is ${clean(issuer)}): give that to --url`,
      );
    }
    if (!sameOrigin(endpoint, target.url)) {
      throw new RemoteError(
        `the token endpoint of ${target.url} is on another origin (${clean(endpoint)}); the CLI sends its secret to ${new URL(target.url).origin} only`,
      );
    }
    return endpoint;
  };

  const newToken = async (): Promise<string> => {
    const endpoint = await discover();
    const credentials = `${formEncode(target.clientId)}:${formEncode(target.clientSecret)}`;
    const { response, body } = await send(endpoint, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        resource: adminApiAudience(target.url),
        scope: target.scope,
      }).toString(),
    });
    const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    if (response.ok && typeof answer.access_token === 'string' && answer.access_token) {
      return answer.access_token;
    }
    throw tokenRefused(target, response.status, answer);
  };

  return {
    async call<T>(method: string, path: string, options: CallOptions = {}) {
      const accessToken = await (token ??= newToken());
      const url = new URL(`${root}${path}`);
      for (const [name, value] of Object.entries(options.query ?? {})) {
        if (value !== undefined) url.searchParams.set(name, String(value));
      }
      const headers: Record<string, string> = {
        Authorization: `Bearer ${accessToken}`,
        Accept: 'application/json',
      };
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      if (options.ifMatch !== undefined) headers['If-Match'] = options.ifMatch;
      const { response, body } = await send(url.href, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      const context = { url: target.url, clientId: target.clientId, scope: target.scope };
      if (!response.ok) throw problemError(response.status, body, { ...context, method, path });
      if (body === undefined && response.status !== 204) {
        throw new RemoteError(
          `the admin API at ${target.url} answered ${method} ${path} without JSON`,
        );
      }
      return {
        status: response.status,
        body: body as T,
        etag: response.headers.get('etag') ?? undefined,
      };
    },
  };
}

// The JSON in `text`; undefined when it is empty or not JSON.
function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sameOrigin(url: string, other: string): boolean {
  try {
    return new URL(url).origin === new URL(other).origin;
  } catch {
    return false;
  }
}

// RFC 6749 §2.3.1: the client id and secret are form-encoded before they are joined for Basic.
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

// Why the token endpoint gave no token, in words that say what to check.
function tokenRefused(
  target: RemoteTarget,
  status: number,
  answer: Record<string, unknown>,
): Error {
  const error = typeof answer.error === 'string' ? clean(answer.error) : undefined;
  const description =
    typeof answer.error_description === 'string' ? clean(answer.error_description) : undefined;
  const said = error ? `${error}${description ? `: ${description}` : ''}` : `status ${status}`;
  const client = `client "${target.clientId}" (SSO_ADMIN_CLIENT_ID)`;
  const audience = adminApiAudience(target.url);
  switch (error) {
    case 'invalid_client':
      return new RemoteError(
        `${target.url} refused the credentials of ${client} (${said}): check SSO_ADMIN_CLIENT_ID and SSO_ADMIN_CLIENT_SECRET`,
      );
    case 'invalid_target':
      return new RemoteError(
        `${client} may not get tokens for the admin API (${said}): it needs to be registered with --api ${audience}`,
      );
    case 'invalid_scope':
      return new RemoteError(
        `${client} cannot get the scopes ${target.scope} for the admin API (${said}): see SSO_ADMIN_SCOPE`,
      );
    case 'temporarily_unavailable':
      return new StoreUnavailableError(description ?? 'the server cannot reach its store');
    default:
      return new RemoteError(
        `the token endpoint of ${target.url} gave ${client} no token (${said}): it needs the client_credentials grant and --api ${audience}`,
      );
  }
}

// A request that got no answer: refused, unknown host, TLS, timeout; one line saying which.
function unreachable(url: string, error: unknown): RemoteError {
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    cause?: unknown;
  };
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RemoteError(`${url} did not answer within ${TIMEOUT_MS / 1000}s`);
  }
  const reason = (typeof cause === 'object' && cause !== null ? cause : error) as {
    code?: unknown;
    message?: unknown;
  };
  const code = typeof reason.code === 'string' ? reason.code : '';
  const message = typeof reason.message === 'string' ? clean(reason.message) : String(error);
  if (code === 'ECONNREFUSED') return new RemoteError(`cannot reach ${url}: connection refused`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new RemoteError(`cannot reach ${url}: no such host`);
  }
  if (
    /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) ||
    /certificate|TLS|SSL/i.test(message)
  ) {
    // OpenSSL's own text (its source files, record layers) says no more than its code, and Node's
    // advice after a ";" is not this tool's.
    const text = /error:[0-9A-F]+:/.test(message) ? '' : message.split(';')[0]!.trim();
    const why = [code, text].filter(Boolean).join(': ');
    return new RemoteError(
      `cannot reach ${url}: TLS failed (${why}); NODE_EXTRA_CA_CERTS can name a CA file to trust`,
    );
  }
  return new RemoteError(`cannot reach ${url}: ${code ? `${code}: ` : ''}${message}`);
}
