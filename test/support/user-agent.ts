// A scripted browser for end-to-end tests: keeps cookies (tough-cookie, with Secure/SameSite/Path
// rules), follows redirects within the SSO origin, reads and submits HTML forms. It stops at the
// first redirect that leaves SSO (the relying party's redirect_uri) and hands back that URL.
import { CookieJar } from 'tough-cookie';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';

export interface Page {
  url: string;
  status: number;
  html: string;
  headers: Headers;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

export interface UserAgentOptions {
  /** The origin SSO is reached at by browsers (the issuer's origin). */
  ssoOrigin: string;
  /**
   * Rewrites a URL before it is fetched (to reach a server whose public origin is not routable in
   * tests) and adds headers; used to play a TLS-terminating reverse proxy.
   */
  route?: (url: URL) => { url: URL; headers?: Record<string, string> };
  /**
   * The loopback address requests come from (e.g. `127.0.0.2`): SSO sees each as another client
   * address, as it would see people on other networks.
   */
  localAddress?: string;
  /** The fetch to send requests with (a load balancer in front of several instances, say). */
  fetch?: typeof fetch;
  /** Headers sent with every request, as a browser's settings would (`accept-language`). */
  headers?: Record<string, string>;
}

/** A dispatcher whose connections start from `localAddress` (any of 127.0.0.0/8 works on Linux). */
export function fromAddress(localAddress: string): Dispatcher {
  return new Agent({ localAddress });
}

/**
 * `fetch` from `localAddress` (undici's own fetch: Node's built-in one takes no dispatcher of
 * another undici version).
 */
export function fetchFrom(localAddress: string): typeof fetch {
  const dispatcher = fromAddress(localAddress);
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}

/** A cookie-keeping, form-submitting HTTP client that behaves like a browser at the HTTP level. */
export class UserAgent {
  readonly jar = new CookieJar();
  readonly #options: UserAgentOptions;
  readonly #fetch: typeof fetch;

  constructor(options: UserAgentOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? (options.localAddress ? fetchFrom(options.localAddress) : fetch);
  }

  /** GETs `url` and follows SSO-internal redirects; a redirect elsewhere is returned as `left`. */
  async open(url: string): Promise<Page | { left: string }> {
    return this.#navigate(url, { method: 'GET' });
  }

  /**
   * Submits `form` (with `values` filled in) like a browser's form submission. With `crossSite`, the
   * form is on another site's page (a relying party's): a POST then carries only SameSite=None
   * cookies, and the top-level GETs of the redirects that follow also Lax ones.
   */
  async submit(
    form: Form,
    values: Record<string, string> = {},
    submitter?: Record<string, string>,
    { crossSite = false }: { crossSite?: boolean } = {},
  ) {
    const body = new URLSearchParams({ ...form.fields, ...values, ...submitter });
    if (form.method.toUpperCase() === 'GET') {
      const url = new URL(form.action);
      url.search = body.toString();
      return this.#navigate(url.href, { method: 'GET' }, crossSite ? 'lax' : undefined);
    }
    return this.#navigate(
      form.action,
      {
        method: 'POST',
        body: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      crossSite ? 'none' : undefined,
    );
  }

  /**
   * One request without following redirects, with the jar's cookies (those SameSite lets through in
   * `sameSiteContext`: 'none' for a cross-site subrequest or POST, 'lax' for a cross-site top-level
   * GET; all of them when undefined, as for a same-site request).
   */
  async request(
    url: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
    sameSiteContext?: 'none' | 'lax',
  ): Promise<Response> {
    const target = new URL(url);
    const routed = this.#options.route?.(target) ?? { url: target };
    const cookie = await this.jar.getCookieString(target.href, { sameSiteContext });
    const response = await this.#fetch(routed.url, {
      ...init,
      redirect: 'manual',
      headers: {
        accept: 'text/html,application/xhtml+xml',
        'user-agent': 'sso-tests',
        ...this.#options.headers,
        ...(cookie ? { cookie } : {}),
        ...routed.headers,
        ...init.headers,
      },
    });
    for (const setCookie of response.headers.getSetCookie()) {
      await this.jar.setCookie(setCookie, target.href, { ignoreError: true });
    }
    return response;
  }

  async #navigate(
    url: string,
    init: RequestInit & { headers?: Record<string, string> },
    sameSiteContext?: 'none' | 'lax',
  ): Promise<Page | { left: string }> {
    let current = url;
    let next: RequestInit & { headers?: Record<string, string> } = init;
    let context = sameSiteContext;
    for (let hops = 0; hops < 20; hops++) {
      if (new URL(current).origin !== this.#options.ssoOrigin) return { left: current };
      const response = await this.request(current, next, context);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        current = new URL(location, current).href;
        next = { method: 'GET' };
        // A redirect of a cross-site navigation is still cross-site, but a top-level GET.
        if (context) context = 'lax';
        continue;
      }
      return {
        url: current,
        status: response.status,
        html: await response.text(),
        headers: response.headers,
      };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/** Asserts that navigation stayed on an SSO page and returns it. */
export function page(result: Page | { left: string }): Page {
  if ('left' in result) throw new Error(`expected an SSO page, but was sent to ${result.left}`);
  return result;
}

/** Asserts that navigation left SSO (to the relying party) and returns where to. */
export function left(result: Page | { left: string }): URL {
  if (!('left' in result)) {
    throw new Error(
      `expected a redirect to the client, got ${result.status} at ${result.url}:\n${result.html.slice(0, 2000)}`,
    );
  }
  return new URL(result.left);
}

const decode = (value: string) =>
  value.replace(
    /&(amp|lt|gt|quot|#39|#x27|#x2F|#47);/g,
    (entity) =>
      ({
        '&amp;': '&',
        '&lt;': '<',
        '&gt;': '>',
        '&quot;': '"',
        '&#39;': "'",
        '&#x27;': "'",
        '&#x2F;': '/',
        '&#47;': '/',
      })[entity] ?? entity,
  );

/** The forms of a page, with their hidden and pre-filled fields. */
export function forms(p: Page): Form[] {
  const found: Form[] = [];
  for (const match of p.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attributes = match[1]!;
    const action = decode(/\baction="([^"]*)"/.exec(attributes)?.[1] ?? p.url);
    const method = /\bmethod="([^"]*)"/.exec(attributes)?.[1] ?? 'GET';
    const fields: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input\b[^>]*>/g)) {
      const name = /\bname="([^"]*)"/.exec(input[0])?.[1];
      const value = /\bvalue="([^"]*)"/.exec(input[0])?.[1];
      if (name !== undefined) fields[decode(name)] = decode(value ?? '');
    }
    found.push({ action: new URL(action, p.url).href, method, fields });
  }
  return found;
}

/** The form whose action ends with `suffix`. */
export function formTo(p: Page, suffix: string): Form {
  const form = forms(p).find((candidate) => new URL(candidate.action).pathname.endsWith(suffix));
  if (!form) throw new Error(`no form to ...${suffix} on ${p.url}:\n${p.html.slice(0, 2000)}`);
  return form;
}
