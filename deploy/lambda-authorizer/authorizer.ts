// A Lambda authorizer for API Gateway built on @sso/client: verifies the bearer JWT against SSO's
// JWKS (discovery and keys cached for the life of the Lambda container, so warm invocations make
// no request to SSO), checks the audience and the scopes the route needs, and hands the claims to
// the integration as context. Both payloads: HTTP API (payload 2.0, simple responses) and REST API
// (TOKEN or REQUEST authorizers, IAM policy documents).
import { createVerifier, discoverIssuer, isSsoError, verifyAccessToken } from './sso-client.ts';
import type { Verifier, VerifiedToken } from './sso-client.ts';

/** What the authorizer checks. */
export interface AuthorizerOptions {
  /** SSO's issuer URL. */
  issuer: string;
  /** The API's audience (the `resource` it was registered with). */
  audience: string;
  /**
   * Scopes each route needs, by route key: `GET /orders` (HTTP API route keys, or a REST API's
   * method and resource path), and `$default` for any other route. A route not listed, with no
   * `$default`, is denied.
   */
  routeScopes: Readonly<Record<string, readonly string[]>>;
  /** Allow an http issuer (tests only). */
  allowHttp?: boolean;
}

/** HTTP API, payload format 2.0. */
export interface HttpApiEvent {
  version: '2.0';
  type: 'REQUEST';
  routeKey: string;
  routeArn: string;
  headers?: Record<string, string | undefined>;
  identitySource?: string[];
}

/** REST API TOKEN or REQUEST authorizer event. */
export interface RestApiEvent {
  type: 'TOKEN' | 'REQUEST';
  methodArn: string;
  authorizationToken?: string;
  headers?: Record<string, string | undefined>;
  httpMethod?: string;
  resource?: string;
}

export type Context = Record<string, string | number | boolean>;

export interface SimpleResponse {
  isAuthorized: boolean;
  context?: Context;
}

export interface PolicyResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: { Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }[];
  };
  context?: Context;
}

/** The authorizer's handler for `options`. */
export function createAuthorizer(
  options: AuthorizerOptions,
): (event: HttpApiEvent | RestApiEvent) => Promise<SimpleResponse | PolicyResponse> {
  let verifier: Promise<Verifier> | undefined;
  const verifierOnce = () =>
    (verifier ??= discoverIssuer(options.issuer, { allowHttp: options.allowHttp ?? false }).then(
      (issuer) => createVerifier(issuer, { audience: options.audience }),
      (error: unknown) => {
        verifier = undefined; // try discovery again on the next invocation
        throw error;
      },
    ));

  return async (event) => {
    const http = (event as HttpApiEvent).version === '2.0';
    const route = http ? (event as HttpApiEvent).routeKey : restRoute(event as RestApiEvent);
    const token = bearer(event);
    const required = options.routeScopes[route] ?? options.routeScopes.$default;
    let verified: VerifiedToken | undefined;
    let reason = '';
    if (!token) reason = 'no bearer token';
    else if (!required) reason = `route ${route} is not configured`;
    else {
      try {
        verified = await verifyAccessToken(await verifierOnce(), token, { scopes: required });
      } catch (error) {
        if (!isSsoError(error)) throw error;
        reason = error.code;
      }
    }
    if (http) {
      return verified
        ? { isAuthorized: true, context: contextOf(verified) }
        : { isAuthorized: false, context: { reason } };
    }
    // REST API: no or a bad token is 401 (API Gateway's answer to this exact error message); a
    // good token that may not use the route is 403 (a Deny policy).
    const arn = (event as RestApiEvent).methodArn;
    if (!verified && reason !== 'SSO_INSUFFICIENT_SCOPE' && !reason.startsWith('route ')) {
      throw new Error('Unauthorized');
    }
    return verified
      ? policy(String(verified.claims.sub), 'Allow', arn, contextOf(verified))
      : policy('anonymous', 'Deny', arn, { reason });
  };
}

/** The handler configured from SSO_ISSUER, SSO_AUDIENCE and SSO_ROUTE_SCOPES (JSON). */
export function authorizerFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): ReturnType<typeof createAuthorizer> {
  const { SSO_ISSUER: issuer, SSO_AUDIENCE: audience, SSO_ROUTE_SCOPES: scopes } = env;
  if (!issuer || !audience || !scopes) {
    throw new Error('the authorizer needs SSO_ISSUER, SSO_AUDIENCE and SSO_ROUTE_SCOPES');
  }
  return createAuthorizer({
    issuer,
    audience,
    routeScopes: JSON.parse(scopes) as Record<string, string[]>,
    allowHttp: env.SSO_ALLOW_HTTP === 'true',
  });
}

function bearer(event: HttpApiEvent | RestApiEvent): string | undefined {
  const raw =
    (event as RestApiEvent).authorizationToken ??
    event.headers?.authorization ??
    event.headers?.Authorization;
  return /^Bearer ([^\s]+)$/i.exec(raw ?? '')?.[1];
}

// `GET /orders/{id}` from a REST event: its resource template, or the method ARN's path.
function restRoute(event: RestApiEvent): string {
  if (event.httpMethod && event.resource) return `${event.httpMethod} ${event.resource}`;
  // arn:aws:execute-api:region:account:api-id/stage/METHOD/path…
  const [, , method = '', ...path] = (event.methodArn.split(':')[5] ?? '').split('/');
  return `${method} /${path.join('/')}`;
}

// The claims, flattened to the strings, numbers and booleans API Gateway passes on.
function contextOf(verified: VerifiedToken): Context {
  const context: Context = { scope: verified.scopes.join(' ') };
  for (const [name, value] of Object.entries(verified.claims)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      context[name] = value;
    } else if (Array.isArray(value)) {
      context[name] = value.map(String).join(' ');
    }
  }
  return context;
}

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context: Context,
): PolicyResponse {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  };
}
