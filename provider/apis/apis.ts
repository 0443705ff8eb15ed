// APIs (resource servers): the audiences SSO issues JWT access tokens for, and the scopes each accepts.
import type { ApiRecord, ClientRecord, Store } from '../../adapters/store.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { updateVersioned } from '../versioned-update.ts';
import { SIGNING_ALGORITHMS } from '../../client-sdk/node/src/contract.ts';
import { OIDC_SCOPES } from '../oidc/claims.ts';

export interface ApiInput {
  audience: string;
  name?: string;
  scopes: string[];
  /** Seconds; the configured access-token lifetime when absent. */
  accessTokenTtl?: number;
  /** For APIs whose JWT library only accepts RS256; ES256 when absent. */
  signingAlg?: string;
  /** `jwt` (when absent) or `opaque` (the API introspects its tokens). */
  tokenFormat?: string;
}

// RFC 6749 scope-token characters.
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

/** What an update may change (anything but the audience); absent fields stay as they are. */
export type ApiChanges = Partial<Omit<ApiInput, 'audience'>>;

/**
 * API registration over the store. `system` names SSO's own APIs (the admin API): managed by SSO
 * itself, they cannot be changed or removed through this service.
 */
export class Apis {
  readonly #store: Store;
  readonly #defaultTtl: number;
  readonly #system: ReadonlySet<string>;

  constructor(store: Store, defaultTtl: number, system: Iterable<string> = []) {
    this.#store = store;
    this.#defaultTtl = defaultTtl;
    this.#system = new Set(system);
  }

  /** Whether `audience` is one of SSO's own APIs. */
  isSystem(audience: string): boolean {
    return this.#system.has(audience);
  }

  /** Registers an API; ValidationError on bad input, StoreConflictError when the audience is taken. */
  async create(input: ApiInput): Promise<ApiRecord> {
    const now = Date.now();
    const api: ApiRecord = {
      audience: validateAudience(input.audience),
      scopes: validateScopes(input.scopes),
      accessTokenTtl: validateTtl(input.accessTokenTtl ?? this.#defaultTtl),
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (input.name?.trim()) api.name = input.name.trim();
    if (input.signingAlg !== undefined) api.signingAlg = validateAlg(input.signingAlg);
    if (input.tokenFormat !== undefined) api.tokenFormat = validateFormat(input.tokenFormat);
    await this.#store.apis.create(api);
    return api;
  }

  get(audience: string): Promise<ApiRecord | undefined> {
    return this.#store.apis.get(audience);
  }

  list(): Promise<ApiRecord[]> {
    return this.#store.apis.list();
  }

  /**
   * Changes an API's name, scopes, token lifetime, algorithm or token format; with
   * `expectedVersion`, only if it is still at that version. Tokens already issued keep what they
   * were issued with.
   */
  async update(
    audience: string,
    changes: ApiChanges,
    expectedVersion?: number,
  ): Promise<ApiRecord> {
    this.#refuseSystem(audience, 'changed');
    return updateVersioned(
      `API "${audience}"`,
      () => this.#store.apis.get(audience),
      (current) => {
        const next: ApiRecord = { ...current, updatedAt: Date.now() };
        if (changes.name !== undefined) {
          if (changes.name.trim()) next.name = changes.name.trim();
          else delete next.name;
        }
        if (changes.scopes !== undefined) next.scopes = validateScopes(changes.scopes);
        if (changes.accessTokenTtl !== undefined) {
          next.accessTokenTtl = validateTtl(changes.accessTokenTtl);
        }
        if (changes.signingAlg !== undefined) next.signingAlg = validateAlg(changes.signingAlg);
        if (changes.tokenFormat !== undefined) {
          next.tokenFormat = validateFormat(changes.tokenFormat);
        }
        return next;
      },
      (next) => this.#store.apis.replace(next),
      expectedVersion,
    );
  }

  /**
   * Removes the API and takes it off every client's lists, so that registering the same audience
   * again later does not silently give old clients access to it.
   */
  async remove(audience: string): Promise<void> {
    this.#refuseSystem(audience, 'removed');
    if (!(await this.#store.apis.delete(audience))) throw new NotFoundError(`API "${audience}"`);
    const uses = (client: ClientRecord) =>
      client.allowedApis.includes(audience) || (client.resourceServerFor ?? []).includes(audience);
    for (const listed of await this.#store.clients.list()) {
      if (!uses(listed)) continue;
      try {
        await updateVersioned(
          `client "${listed.clientId}"`,
          () => this.#store.clients.get(listed.clientId),
          (client) => ({
            ...client,
            allowedApis: client.allowedApis.filter((allowed) => allowed !== audience),
            ...(client.apiScopes
              ? {
                  apiScopes: Object.fromEntries(
                    Object.entries(client.apiScopes).filter(([api]) => api !== audience),
                  ),
                }
              : {}),
            resourceServerFor: (client.resourceServerFor ?? []).filter((api) => api !== audience),
            updatedAt: Date.now(),
          }),
          (next) => this.#store.clients.replace(next),
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error; // a client removed meanwhile has no lists
      }
    }
  }

  #refuseSystem(audience: string, what: string): void {
    if (this.#system.has(audience)) {
      throw new ForbiddenError(`API "${audience}" is SSO's own and cannot be ${what}`);
    }
  }
}

function validateFormat(format: string): 'jwt' | 'opaque' {
  if (format === 'jwt' || format === 'opaque') return format;
  throw new ValidationError('tokenFormat', `token format must be jwt or opaque (got "${format}")`);
}

/** The audience as stored: an absolute http(s) or urn URI without fragment (RFC 8707). */
export function validateAudience(audience: string): string {
  let url: URL;
  try {
    url = new URL(audience.trim());
  } catch {
    throw new ValidationError('audience', `audience "${audience}" must be an absolute URL`);
  }
  if (!['https:', 'http:', 'urn:'].includes(url.protocol) || url.hash) {
    throw new ValidationError(
      'audience',
      `audience "${audience}" must be an https, http or urn URI without a fragment`,
    );
  }
  return audience.trim();
}

function validateScopes(scopes: string[]): string[] {
  const unique = [...new Set(scopes.map((scope) => scope.trim()).filter(Boolean))];
  if (unique.length === 0) throw new ValidationError('scopes', 'an API needs at least one scope');
  for (const scope of unique) {
    if (!SCOPE.test(scope))
      throw new ValidationError('scopes', `"${scope}" is not a valid scope name`);
    if ((OIDC_SCOPES as readonly string[]).includes(scope)) {
      throw new ValidationError(
        'scopes',
        `"${scope}" is an OpenID Connect scope, not an API scope`,
      );
    }
  }
  return unique;
}

function validateAlg(alg: string): 'ES256' | 'RS256' {
  if (!(SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new ValidationError(
      'signingAlg',
      `signing algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}`,
    );
  }
  return alg as 'ES256' | 'RS256';
}

function validateTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86400) {
    throw new ValidationError('accessTokenTtl', 'access-token lifetime must be 1 second to 1 day');
  }
  return seconds;
}
