// The records as administrators see them: what the admin API answers, what the CLI prints with
// --json, what the console shows. Never a password hash, a client secret (except once, when it is
// made) or key material; times as ISO 8601 strings; each changeable record with its `version`
// (the admin API's ETag).
import type {
  Account,
  ApiRecord,
  AuditEvent,
  ClientRecord,
  StoredKey,
} from '../../adapters/store.ts';
import { PROFILE_FIELDS, type ProfileFieldName } from '../accounts/profile-fields.ts';
import { GRANT_TYPES, type GrantTypeName } from '../clients/clients.ts';
import { keyState, type KeyState } from '../keys/signing-keys.ts';
import type { GrantInfo, SessionInfo, SignOutResult } from '../sessions/sessions.ts';

/** One page of a listing; `next` is the cursor of the following page, absent on the last. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** ISO 8601 in UTC, or undefined (left out of JSON). */
export function isoTime(epochMs: number | undefined): string | undefined {
  return epochMs === undefined ? undefined : new Date(epochMs).toISOString();
}

export type UserView = ReturnType<typeof userView>;

/** An account: everything but the password hash (only whether there is one). */
export function userView(account: Account) {
  return {
    id: account.id,
    username: account.username,
    email: account.email,
    emailVerified: account.emailVerified,
    ...(Object.fromEntries(
      Object.keys(PROFILE_FIELDS).map((field) => [field, account[field as ProfileFieldName]]),
    ) as { [field in ProfileFieldName]?: string }),
    phoneNumberVerified: account.phoneNumber ? (account.phoneNumberVerified ?? false) : undefined,
    address: account.address,
    groups: account.groups,
    disabled: account.disabled,
    hasPassword: account.passwordHash !== undefined,
    mfaRequired: account.mfaRequired ?? false,
    secondFactors: {
      totp: account.totp !== undefined,
      passkeys: account.passkeys?.length ?? 0,
      recoveryCodesLeft: account.recoveryCodes?.hashes.length ?? 0,
    },
    createdAt: isoTime(account.createdAt)!,
    updatedAt: isoTime(account.updatedAt)!,
    version: account.version,
  };
}

export interface ClientView {
  clientId: string;
  name?: string;
  /** Confidential clients authenticate with a secret; public ones cannot keep one. */
  type: 'confidential' | 'public';
  applicationType: 'web' | 'native';
  grantTypes: GrantTypeName[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri?: string;
  firstParty: boolean;
  /** Everyone signing in to it needs a second factor. */
  requireMfa: boolean;
  allowedApis: string[];
  /** Per allowed API, the only scopes of it the client may get (absent: all). */
  apiScopes?: Record<string, string[]>;
  resourceServerFor: string[];
  /** How a confidential client authenticates; absent for public clients. */
  authMethod?: 'client_secret_basic' | 'client_secret_post';
  idTokenSigningAlg: 'ES256' | 'RS256';
  disabled: boolean;
  /** One of SSO's own clients (the admin console): managed by SSO, not editable. */
  system: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** A client, once with the secret it was just given. */
export type ClientWithSecretView = ClientView & { clientSecret?: string };

/** A client registration without its secret. */
export function clientView(client: ClientRecord, system: boolean): ClientView {
  const { metadata } = client;
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  const method = metadata.token_endpoint_auth_method;
  const names = Object.keys(GRANT_TYPES) as GrantTypeName[];
  const view: ClientView = {
    clientId: client.clientId,
    type: method === 'none' ? 'public' : 'confidential',
    applicationType: metadata.application_type === 'native' ? 'native' : 'web',
    grantTypes: strings(metadata.grant_types).flatMap((grant) => {
      const name = names.find((short) => GRANT_TYPES[short] === grant);
      return name ? [name] : [];
    }),
    redirectUris: strings(metadata.redirect_uris),
    postLogoutRedirectUris: strings(metadata.post_logout_redirect_uris),
    firstParty: client.firstParty,
    requireMfa: client.requireMfa ?? false,
    allowedApis: client.allowedApis,
    resourceServerFor: client.resourceServerFor ?? [],
    idTokenSigningAlg: metadata.id_token_signed_response_alg === 'RS256' ? 'RS256' : 'ES256',
    disabled: client.disabled ?? false,
    system,
    createdAt: isoTime(client.createdAt)!,
    updatedAt: isoTime(client.updatedAt)!,
    version: client.version,
  };
  if (typeof metadata.client_name === 'string') view.name = metadata.client_name;
  if (client.apiScopes && Object.keys(client.apiScopes).length) view.apiScopes = client.apiScopes;
  if (typeof metadata.backchannel_logout_uri === 'string') {
    view.backchannelLogoutUri = metadata.backchannel_logout_uri;
  }
  if (method === 'client_secret_basic' || method === 'client_secret_post') view.authMethod = method;
  return view;
}

export interface ApiView {
  audience: string;
  name?: string;
  scopes: string[];
  /** Seconds. */
  accessTokenTtl: number;
  signingAlg: 'ES256' | 'RS256';
  tokenFormat: 'jwt' | 'opaque';
  /** SSO's own admin API: managed by SSO, not editable. */
  system: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** The clients that may get tokens for it or serve it (on single reads and removal). */
  usedBy?: string[];
}

/** An API registration. */
export function apiView(api: ApiRecord, system: boolean, usedBy?: string[]): ApiView {
  const view: ApiView = {
    audience: api.audience,
    scopes: api.scopes,
    accessTokenTtl: api.accessTokenTtl,
    signingAlg: api.signingAlg ?? 'ES256',
    tokenFormat: api.tokenFormat ?? 'jwt',
    system,
    createdAt: isoTime(api.createdAt)!,
    updatedAt: isoTime(api.updatedAt)!,
    version: api.version,
  };
  if (api.name !== undefined) view.name = api.name;
  if (usedBy !== undefined) view.usedBy = usedBy;
  return view;
}

export interface KeyView {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: string;
  activatesAt: string;
  retiresAt?: string;
  expiresAt?: string;
}

/** A signing key: ids, algorithm, state and times, never key material. */
export function keyView(key: StoredKey, now: number): KeyView {
  const view: KeyView = {
    kid: key.kid,
    alg: typeof key.jwk.alg === 'string' ? key.jwk.alg : '-',
    state: keyState(key, now),
    createdAt: isoTime(key.createdAt)!,
    activatesAt: isoTime(key.activatesAt)!,
  };
  if (key.retiresAt !== undefined) view.retiresAt = isoTime(key.retiresAt)!;
  if (key.expiresAt !== undefined) view.expiresAt = isoTime(key.expiresAt)!;
  return view;
}

export interface RotationView {
  /** Seconds between publishing the new keys and their signing. */
  activateAfter: number;
  activatesAt: string;
  /** Seconds the retiring keys stay published after that. */
  maxTokenLifetime: number;
  added: string[];
  retiring: string[];
  keys: KeyView[];
}

export type EventView = Omit<AuditEvent, 'expiresAt' | 'time'> & { time: string };

/** An audit event. */
export function eventView(event: AuditEvent): EventView {
  const { expiresAt: _expiresAt, time, ...rest } = event;
  return { time: isoTime(time)!, ...rest };
}

export interface SessionView {
  uid: string;
  loginAt?: string;
  expiresAt?: string;
  amr: string[];
  clients: { clientId: string; name?: string }[];
}

/** A session at SSO (named by its uid, never by its cookie value). */
export function sessionView(session: SessionInfo, names: ReadonlyMap<string, string>): SessionView {
  const view: SessionView = {
    uid: session.uid,
    amr: session.amr,
    clients: session.clients.map(({ clientId }) => {
      const name = names.get(clientId);
      return name === undefined ? { clientId } : { clientId, name };
    }),
  };
  if (session.loginAt !== undefined) view.loginAt = isoTime(session.loginAt)!;
  if (session.expiresAt !== undefined) view.expiresAt = isoTime(session.expiresAt)!;
  return view;
}

export interface GrantView {
  grantId: string;
  clientId: string;
  clientName?: string;
  scopes: string[];
  apis: Record<string, string[]>;
  createdAt?: string;
  expiresAt?: string;
}

/** What a person allowed an application. */
export function grantView(grant: GrantInfo, names: ReadonlyMap<string, string>): GrantView {
  const view: GrantView = {
    grantId: grant.grantId,
    clientId: grant.clientId,
    scopes: grant.scopes,
    apis: grant.apis,
  };
  const name = names.get(grant.clientId);
  if (name !== undefined) view.clientName = name;
  if (grant.createdAt !== undefined) view.createdAt = isoTime(grant.createdAt)!;
  if (grant.expiresAt !== undefined) view.expiresAt = isoTime(grant.expiresAt)!;
  return view;
}

export type SignOutView = SignOutResult;

/** What `unlock` lifted. */
export interface UnlockView {
  username: string;
  lifted: boolean;
  addressLifted: boolean;
}

/** A password-reset link an administrator sent. */
export interface ResetSentView {
  username: string;
  /** Where it went. */
  email: string;
  /** Until when it works (ISO 8601). */
  expiresAt: string;
}
