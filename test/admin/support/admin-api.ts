// Calls the admin API over real HTTP like any client would, and checks every answer against the
// served OpenAPI document (openapi.ts). Tokens come from SSO's own token endpoint.
import { expect } from '@jest/globals';
import { adminApiAudience } from '../../../provider/administration/system.ts';
import type { TestSso } from '../../support/sso.ts';
import { loadOpenApi, type OpenApiChecker } from './openapi.ts';

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  token?: string | undefined;
  /** A JSON body, or a string sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** An admin API client of `sso`, checking each answer against the document. */
export class AdminApi {
  readonly root: string;
  readonly checker: OpenApiChecker;
  readonly sso: TestSso;

  private constructor(sso: TestSso, checker: OpenApiChecker) {
    this.sso = sso;
    this.root = `${sso.issuer}/admin/api`;
    this.checker = checker;
  }

  static async of(sso: TestSso): Promise<AdminApi> {
    return new AdminApi(sso, await loadOpenApi(`${sso.issuer}/admin/api/openapi.json`));
  }

  /** Calls `method path` (relative to the API's root, query allowed) and checks the answer. */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (typeof options.body === 'string') body = options.body;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${this.root}${path}`, { method, headers, body });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    expect(text).not.toMatch(/\n\s+at /); // never a stack trace
    this.checker.check(method, path.split('?')[0]!, response.status, contentType, parsed);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** A client-credentials token for the admin API from a machine client registered for it. */
  async machineToken(scope = 'admin:read admin:write'): Promise<string> {
    const client = await this.sso.client({
      type: 'confidential',
      name: `Automation ${scope}`,
      grantTypes: ['client_credentials'],
      allowedApis: [adminApiAudience(this.sso.issuer)],
    });
    return clientCredentialsToken(this.sso, client.clientId, client.secret!, scope);
  }
}

/** A client-credentials access token for the admin API, from the token endpoint over HTTP. */
export async function clientCredentialsToken(
  sso: TestSso,
  clientId: string,
  secret: string,
  scope: string,
  resource = adminApiAudience(sso.issuer),
): Promise<string> {
  const response = await fetch(`${sso.issuer}/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}
