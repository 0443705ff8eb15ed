// Registered applications. A confidential client gets a generated secret that is shown once, when
// it is created or rotated; listings never include it.
import { randomBytes } from 'node:crypto';
import type { ClientRecord, Store } from '../../adapters/store.ts';
import { GRANT_TYPES as CONTRACT_GRANT_TYPES } from '../../client-sdk/node/src/contract.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import { updateVersioned } from '../versioned-update.ts';

/** The grant types a client can be registered for, by the short names the CLI uses. */
export const GRANT_TYPES = {
  authorization_code: CONTRACT_GRANT_TYPES.authorizationCode,
  refresh_token: CONTRACT_GRANT_TYPES.refreshToken,
  client_credentials: CONTRACT_GRANT_TYPES.clientCredentials,
  device_code: CONTRACT_GRANT_TYPES.deviceCode,
} as const;

export type GrantTypeName = keyof typeof GRANT_TYPES;

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface ClientInput {
  clientId?: string;
  name?: string;
  /** Confidential clients authenticate with a secret; public ones (SPAs, native, CLIs) cannot. */
  type: 'confidential' | 'public';
  /** Native apps may use loopback and custom-scheme redirect URIs. */
  native?: boolean;
  grantTypes: GrantTypeName[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  firstParty?: boolean;
  /** Everyone signing in to this client needs a second factor. */
  requireMfa?: boolean;
  allowedApis?: string[];
  /** Per allowed API, the only scopes of it the client may get (all of them when not named). */
  apiScopes?: Record<string, string[]>;
  /** APIs this client serves: it may introspect tokens issued for them. */
  resourceServerFor?: string[];
  authMethod?: AuthMethod;
  idTokenSigningAlg?: 'ES256' | 'RS256';
  /**
   * Development only: allow plain-http redirect URIs on hosts other than loopback. Without it
   * they are refused (a code sent over http can be read on the way).
   */
  allowInsecureRedirectUris?: boolean;
}

/**
 * What an update may change (anything but the id and the type); absent fields stay as they are.
 * An empty `backchannelLogoutUri` removes it.
 */
export type ClientChanges = Partial<
  Pick<
    ClientInput,
    | 'name'
    | 'native'
    | 'grantTypes'
    | 'redirectUris'
    | 'postLogoutRedirectUris'
    | 'backchannelLogoutUri'
    | 'firstParty'
    | 'requireMfa'
    | 'allowedApis'
    | 'apiScopes'
    | 'resourceServerFor'
    | 'authMethod'
    | 'idTokenSigningAlg'
    | 'allowInsecureRedirectUris'
  >
>;

/** A client together with its secret, which exists in this form only once. */
export interface ClientWithSecret {
  client: ClientRecord;
  secret: string | undefined;
}

/** Checks client metadata the way the protocol engine will (oidc-provider's own validation). */
export type MetadataValidator = (metadata: Record<string, unknown>) => Promise<void>;

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{2,127}$/;

/**
 * Client registration over the store. `system` names SSO's own clients (the admin console): they
 * are managed by SSO itself and cannot be removed, disabled or changed through this service.
 */
export class Clients {
  readonly #store: Store;
  readonly #validate: MetadataValidator;
  readonly #system: ReadonlySet<string>;

  constructor(store: Store, validate: MetadataValidator, system: Iterable<string> = []) {
    this.#store = store;
    this.#validate = validate;
    this.#system = new Set(system);
  }

  /** Whether `clientId` is one of SSO's own clients. */
  isSystem(clientId: string): boolean {
    return this.#system.has(clientId);
  }

  /** Registers a client; ValidationError on bad input, StoreConflictError when the id is taken. */
  async create(input: ClientInput): Promise<ClientWithSecret> {
    const clientId = input.clientId?.trim() || randomBytes(12).toString('hex');
    if (!CLIENT_ID.test(clientId)) {
      throw new ValidationError(
        'clientId',
        'client id must be 3-128 of letters, digits and . _ ~ -, starting with a letter or digit',
      );
    }
    const secret = input.type === 'confidential' ? newSecret() : undefined;
    const metadata = toMetadata(clientId, input, secret);
    await this.#validate(metadata);
    const allowedApis = await this.#registeredApis('allowedApis', input.allowedApis);
    const apiScopes = await this.#apiScopes(allowedApis, input.apiScopes);
    const resourceServerFor = await this.#registeredApis(
      'resourceServerFor',
      input.resourceServerFor,
    );
    const now = Date.now();
    const client: ClientRecord = {
      clientId,
      metadata,
      firstParty: input.firstParty ?? false,
      ...(input.requireMfa ? { requireMfa: true } : {}),
      allowedApis,
      ...(apiScopes ? { apiScopes } : {}),
      resourceServerFor,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await this.#store.clients.create(client);
    return { client, secret };
  }

  get(clientId: string): Promise<ClientRecord | undefined> {
    return this.#store.clients.get(clientId);
  }

  list(): Promise<ClientRecord[]> {
    return this.#store.clients.list();
  }

  /** The clients that may get tokens for, or serve, the API `audience`. */
  async usingApi(audience: string): Promise<ClientRecord[]> {
    return (await this.#store.clients.list()).filter(
      (client) =>
        client.allowedApis.includes(audience) ||
        (client.resourceServerFor ?? []).includes(audience),
    );
  }

  /**
   * Removes the client with its grants, codes and tokens, so that registering the same id again
   * later revives nothing (no consent, no token).
   */
  async remove(clientId: string): Promise<void> {
    this.#refuseSystem(clientId, 'removed');
    if (!(await this.#store.clients.delete(clientId)))
      throw new NotFoundError(`client "${clientId}"`);
    await this.#store.oidc.destroyByClientId(clientId);
  }

  /**
   * Changes a client's registration (rebuilt and validated as a whole, as at creation); with
   * `expectedVersion`, only if it is still at that version.
   */
  async update(
    clientId: string,
    changes: ClientChanges,
    expectedVersion?: number,
  ): Promise<ClientRecord> {
    this.#refuseSystem(clientId, 'changed');
    return this.#change(
      clientId,
      async (current) => {
        const before = inputOf(current);
        const input: ClientInput = { ...before, ...withoutUndefined(changes) };
        // URIs registered before stay acceptable; new ones follow the rule for new clients.
        const insecure = changes.allowInsecureRedirectUris ?? false;
        const known = new Set([...before.redirectUris!, ...before.postLogoutRedirectUris!]);
        for (const [field, uris] of [
          ['redirectUris', input.redirectUris ?? []],
          ['postLogoutRedirectUris', input.postLogoutRedirectUris ?? []],
        ] as const) {
          for (const uri of uris) if (!known.has(uri)) checkRedirectUri(field, uri, insecure);
        }
        input.allowInsecureRedirectUris = true;
        const secret = current.metadata.client_secret;
        const metadata = toMetadata(
          clientId,
          input,
          typeof secret === 'string' ? secret : undefined,
        );
        await this.#validate(metadata);
        return {
          ...current,
          metadata,
          firstParty: input.firstParty ?? false,
          requireMfa: input.requireMfa ?? false,
          ...(await this.#allowed(input)),
          resourceServerFor: await this.#registeredApis(
            'resourceServerFor',
            input.resourceServerFor,
          ),
        };
      },
      expectedVersion,
    );
  }

  /**
   * Disables or enables a client. A disabled client is unknown to the protocol engine: it cannot
   * sign anyone in, get or introspect tokens, and its tokens are inactive at introspection; its
   * grants are kept, so enabling it again restores them.
   */
  async setDisabled(
    clientId: string,
    disabled: boolean,
    expectedVersion?: number,
  ): Promise<ClientRecord> {
    this.#refuseSystem(clientId, disabled ? 'disabled' : 'changed');
    return this.#change(clientId, (current) => ({ ...current, disabled }), expectedVersion);
  }

  /** Replaces a confidential client's secret; the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<ClientWithSecret> {
    this.#refuseSystem(clientId, 'given a new secret');
    const secret = newSecret();
    const client = await this.#change(clientId, (current) => {
      if (current.metadata.token_endpoint_auth_method === 'none') {
        throw new ValidationError('clientId', `client "${clientId}" is public and has no secret`);
      }
      return { ...current, metadata: { ...current.metadata, client_secret: secret } };
    });
    return { client, secret };
  }

  // Applies `change` to the stored client (again if another writer changed it meanwhile).
  #change(
    clientId: string,
    change: (current: ClientRecord) => ClientRecord | Promise<ClientRecord>,
    expectedVersion?: number,
  ): Promise<ClientRecord> {
    return updateVersioned(
      `client "${clientId}"`,
      () => this.#store.clients.get(clientId),
      async (current) => ({ ...(await change(current)), updatedAt: Date.now() }),
      (next) => this.#store.clients.replace(next),
      expectedVersion,
    );
  }

  #refuseSystem(clientId: string, what: string): void {
    if (this.#system.has(clientId)) {
      throw new ForbiddenError(`client "${clientId}" is SSO's own and cannot be ${what}`);
    }
  }

  // The allowed APIs and their scope restrictions of `input`, checked.
  async #allowed(input: ClientInput): Promise<Pick<ClientRecord, 'allowedApis' | 'apiScopes'>> {
    const allowedApis = await this.#registeredApis('allowedApis', input.allowedApis);
    const apiScopes = await this.#apiScopes(allowedApis, input.apiScopes);
    return { allowedApis, apiScopes };
  }

  // `restrictions` checked: each for an allowed API, each scope one of that API's.
  async #apiScopes(
    allowedApis: string[],
    restrictions: Record<string, string[]> | undefined,
  ): Promise<Record<string, string[]> | undefined> {
    if (!restrictions || Object.keys(restrictions).length === 0) return undefined;
    const checked: Record<string, string[]> = {};
    for (const [audience, scopes] of Object.entries(restrictions)) {
      if (!allowedApis.includes(audience)) {
        throw new ValidationError(
          'apiScopes',
          `scopes are for an API the client may use; "${audience}" is not one`,
        );
      }
      const api = (await this.#store.apis.get(audience))!;
      const unique = [...new Set(scopes)];
      if (unique.length === 0) {
        throw new ValidationError('apiScopes', `name at least one scope of "${audience}"`);
      }
      for (const scope of unique) {
        if (!api.scopes.includes(scope)) {
          throw new ValidationError('apiScopes', `"${audience}" has no scope "${scope}"`);
        }
      }
      checked[audience] = unique;
    }
    return checked;
  }

  // The distinct audiences of `audiences`, each of a registered API.
  async #registeredApis(field: string, audiences: string[] = []): Promise<string[]> {
    const unique = [...new Set(audiences)];
    for (const audience of unique) {
      if (!(await this.#store.apis.get(audience))) {
        throw new ValidationError(field, `no API is registered with audience "${audience}"`);
      }
    }
    return unique;
  }
}

/** The client record without its secret, for listings and logs. */
export function withoutSecret(client: ClientRecord): ClientRecord {
  const { client_secret: _secret, ...metadata } = client.metadata;
  return { ...client, metadata: { ...metadata, client_id: client.clientId } };
}

/** The input that registers `client` as it is now (the inverse of toMetadata). */
export function inputOf(client: ClientRecord): ClientInput {
  const { metadata } = client;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  const method = metadata.token_endpoint_auth_method;
  const grantTypes = strings(metadata.grant_types).flatMap((grant) => {
    const name = (Object.keys(GRANT_TYPES) as GrantTypeName[]).find(
      (short) => GRANT_TYPES[short] === grant,
    );
    return name ? [name] : [];
  });
  const input: ClientInput = {
    clientId: client.clientId,
    type: method === 'none' ? 'public' : 'confidential',
    native: metadata.application_type === 'native',
    grantTypes,
    redirectUris: strings(metadata.redirect_uris),
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris),
    firstParty: client.firstParty,
    requireMfa: client.requireMfa ?? false,
    allowedApis: [...client.allowedApis],
    ...(client.apiScopes ? { apiScopes: structuredClone(client.apiScopes) } : {}),
    resourceServerFor: [...(client.resourceServerFor ?? [])],
    idTokenSigningAlg: metadata.id_token_signed_response_alg === 'RS256' ? 'RS256' : 'ES256',
  };
  if (typeof metadata.client_name === 'string') input.name = metadata.client_name;
  if (typeof metadata.backchannel_logout_uri === 'string') {
    input.backchannelLogoutUri = metadata.backchannel_logout_uri;
  }
  if (method === 'client_secret_basic' || method === 'client_secret_post') {
    input.authMethod = method;
  }
  return input;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, member]) => member !== undefined),
  ) as Partial<T>;
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

// Redirect URIs are compared exactly: a `*` is never a wildcard, and is refused so that nobody
// believes it is one. Plain http is for loopback (native apps, development) unless allowed.
function checkRedirectUri(field: string, uri: string, allowInsecure: boolean): void {
  if (uri.includes('*')) {
    throw new ValidationError(
      field,
      `redirect URI "${uri}" contains "*": redirect URIs are matched exactly, never as patterns`,
    );
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return; // not a URI at all: the protocol engine's own validation says so
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) && !allowInsecure) {
    throw new ValidationError(
      field,
      `redirect URI "${uri}" uses plain http on a host other than loopback; use https (or, for development only, allow insecure redirect URIs)`,
    );
  }
}

// Our input as RFC 7591 client metadata, which oidc-provider then validates.
function toMetadata(clientId: string, input: ClientInput, secret: string | undefined) {
  const grantTypes = [...new Set(input.grantTypes)];
  if (grantTypes.length === 0)
    throw new ValidationError('grantTypes', 'a client needs at least one grant type');
  for (const grant of grantTypes) {
    if (!(grant in GRANT_TYPES)) {
      throw new ValidationError(
        'grantTypes',
        `unknown grant type "${String(grant)}"; use ${Object.keys(GRANT_TYPES).join(', ')}`,
      );
    }
  }
  if (input.type === 'public' && grantTypes.includes('client_credentials')) {
    throw new ValidationError('grantTypes', 'a public client cannot use client_credentials');
  }
  const usesCode = grantTypes.includes('authorization_code');
  const redirectUris = input.redirectUris ?? [];
  const insecure = input.allowInsecureRedirectUris ?? false;
  for (const uri of redirectUris) checkRedirectUri('redirectUris', uri, insecure);
  for (const uri of input.postLogoutRedirectUris ?? []) {
    checkRedirectUri('postLogoutRedirectUris', uri, insecure);
  }
  if (!usesCode && redirectUris.length > 0) {
    throw new ValidationError('redirectUris', 'redirect URIs need the authorization_code grant');
  }
  if (usesCode && redirectUris.length === 0) {
    throw new ValidationError(
      'redirectUris',
      'an authorization_code client needs at least one redirect URI',
    );
  }
  const metadata: Record<string, unknown> & { client_id: string } = {
    client_id: clientId,
    grant_types: grantTypes.map((grant) => GRANT_TYPES[grant]),
    response_types: usesCode ? ['code'] : [],
    redirect_uris: usesCode ? redirectUris : [],
    post_logout_redirect_uris: input.postLogoutRedirectUris ?? [],
    token_endpoint_auth_method:
      input.type === 'public' ? 'none' : (input.authMethod ?? 'client_secret_basic'),
    id_token_signed_response_alg: input.idTokenSigningAlg ?? 'ES256',
    application_type: input.native ? 'native' : 'web',
  };
  if (secret) metadata.client_secret = secret;
  if (input.name?.trim()) metadata.client_name = input.name.trim();
  if (input.type === 'public' && input.authMethod !== undefined) {
    throw new ValidationError('authMethod', 'a public client has no secret to authenticate with');
  }
  if (input.backchannelLogoutUri) {
    metadata.backchannel_logout_uri = input.backchannelLogoutUri;
    metadata.backchannel_logout_session_required = true;
  }
  return metadata;
}
