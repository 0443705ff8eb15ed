// Registered applications. A confidential client gets a generated secret that is shown once, when
// it is created or rotated; listings never include it.
import { randomBytes } from 'node:crypto';
import type { ClientRecord, Store } from '../../adapters/store.ts';
import { GRANT_TYPES as CONTRACT_GRANT_TYPES } from '../../client-sdk/src/contract.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

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
  allowedApis?: string[];
  authMethod?: AuthMethod;
  idTokenSigningAlg?: 'ES256' | 'RS256';
}

/** A client together with its secret, which exists in this form only once. */
export interface ClientWithSecret {
  client: ClientRecord;
  secret: string | undefined;
}

/** Checks client metadata the way the protocol engine will (oidc-provider's own validation). */
export type MetadataValidator = (metadata: Record<string, unknown>) => Promise<void>;

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._~-]{2,127}$/;

/** Client registration over the store. */
export class Clients {
  readonly #store: Store;
  readonly #validate: MetadataValidator;

  constructor(store: Store, validate: MetadataValidator) {
    this.#store = store;
    this.#validate = validate;
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
    const allowedApis = [...new Set(input.allowedApis ?? [])];
    for (const audience of allowedApis) {
      if (!(await this.#store.apis.get(audience))) {
        throw new ValidationError(
          'allowedApis',
          `no API is registered with audience "${audience}"`,
        );
      }
    }
    const now = Date.now();
    const client: ClientRecord = {
      clientId,
      metadata,
      firstParty: input.firstParty ?? false,
      allowedApis,
      createdAt: now,
      updatedAt: now,
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

  /** Removes the client; its tokens stop working because the client no longer exists. */
  async remove(clientId: string): Promise<void> {
    if (!(await this.#store.clients.delete(clientId)))
      throw new NotFoundError(`client "${clientId}"`);
  }

  /** Replaces a confidential client's secret; the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<ClientWithSecret> {
    const client = await this.#store.clients.get(clientId);
    if (!client) throw new NotFoundError(`client "${clientId}"`);
    if (client.metadata.token_endpoint_auth_method === 'none') {
      throw new ValidationError('clientId', `client "${clientId}" is public and has no secret`);
    }
    const secret = newSecret();
    const updated: ClientRecord = {
      ...client,
      metadata: { ...client.metadata, client_secret: secret },
      updatedAt: Date.now(),
    };
    if (!(await this.#store.clients.replace(updated)))
      throw new NotFoundError(`client "${clientId}"`);
    return { client: updated, secret };
  }
}

/** The client record without its secret, for listings and logs. */
export function withoutSecret(client: ClientRecord): ClientRecord {
  const { client_secret: _secret, ...metadata } = client.metadata;
  return { ...client, metadata: { ...metadata, client_id: client.clientId } };
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
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
  if (input.backchannelLogoutUri) {
    metadata.backchannel_logout_uri = input.backchannelLogoutUri;
    metadata.backchannel_logout_session_required = true;
  }
  return metadata;
}
