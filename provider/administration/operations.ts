// What an administrator can do, as one interface: the admin API serves it, the console and the
// local CLI call it in process (local.ts), and the CLI with --url calls it over the admin API
// (provider/cli/remote.ts). Each change is checked by the domain services and recorded in the
// audit log with who made it, in the local implementation only, so every way in keeps the same
// rules. Records are named by id (users by their `sub`); `findByLogin` turns a username or email
// into one.
import type { AccountInput } from '../accounts/accounts.ts';
import type { ApiChanges, ApiInput } from '../apis/apis.ts';
import type { ClientChanges, ClientInput } from '../clients/clients.ts';
import type {
  ApiView,
  ClientView,
  ClientWithSecretView,
  EventView,
  GrantView,
  KeyView,
  Page,
  RotationView,
  SessionView,
  ResetSentView,
  SignOutView,
  UnlockView,
  UserView,
} from './views.ts';

/** Who makes a change and from where, for the audit log. */
export interface Actor {
  /** `cli:<system user>`, `account:<id>` (a person) or `client:<id>` (a machine client). */
  actor: string;
  /** The client address the change came from. */
  ip?: string;
}

/** The largest page any listing answers. */
export const MAX_PAGE = 200;
/** The page size when none is asked for. */
export const DEFAULT_PAGE = 50;

/** Which users a listing answers (see Accounts.page). */
export interface UserQuery {
  /** Username or email prefix, any case. */
  search?: string;
  group?: string;
  cursor?: string;
  limit?: number;
}

/** Which clients a listing answers. */
export interface ClientQuery {
  /** Part of the client id or name, any case. */
  search?: string;
  cursor?: string;
  limit?: number;
}

/** Which audit events a listing answers, newest first. */
export interface AuditQuery {
  type?: string;
  /** Username or account id. */
  user?: string;
  clientId?: string;
  ip?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  cursor?: string;
  limit?: number;
}

/** A new user: the account's fields and, optionally, its first password. */
export type UserInput = AccountInput & { password?: string };

/** Profile changes of a user (the username stays); `disabled` disables or enables. */
export type UserChanges = Omit<Partial<AccountInput>, 'username'> & { disabled?: boolean };

/** A client change: registration fields, and `disabled`. */
export type ClientUpdate = ClientChanges & { disabled?: boolean };

export interface UserOperations {
  list(query?: UserQuery): Promise<Page<UserView>>;
  get(id: string): Promise<UserView>;
  /** The user whose username or email is `login` (NotFoundError when none). */
  findByLogin(login: string): Promise<UserView>;
  create(input: UserInput): Promise<UserView>;
  /** With `expectedVersion`, StaleVersionError unless the user is still at that version. */
  update(id: string, changes: UserChanges, expectedVersion?: number): Promise<UserView>;
  setPassword(id: string, password: string): Promise<UserView>;
  /**
   * Mails the user a single-use password-reset link, now: ForbiddenError when mail is not set up,
   * ValidationError when they are disabled or have no email address, MailDeliveryError when the
   * mail server does not take it.
   */
  sendPasswordReset(id: string): Promise<ResetSentView>;
  /** Deletes the user with their sessions, grants and tokens. */
  remove(id: string): Promise<UserView>;
  /** Lifts the sign-in pauses of the user (and the block of `address`, when given). */
  unlock(id: string, address?: string): Promise<UnlockView>;
  sessions(id: string): Promise<SessionView[]>;
  endSession(id: string, uid: string): Promise<SignOutView>;
  grants(id: string): Promise<GrantView[]>;
  revokeGrant(id: string, grantId: string): Promise<void>;
  /** Ends every session, grant and token; apps with back-channel logout are told. */
  signOutEverywhere(id: string): Promise<SignOutView>;
  /** Removes every second factor of the user (a lost device); they enrol again at next sign-in. */
  resetSecondFactors(id: string): Promise<UserView>;
}

export interface ClientOperations {
  list(query?: ClientQuery): Promise<Page<ClientView>>;
  get(clientId: string): Promise<ClientView>;
  /** Registers a client; a confidential one comes back with its secret, this once. */
  create(input: ClientInput): Promise<ClientWithSecretView>;
  update(clientId: string, changes: ClientUpdate, expectedVersion?: number): Promise<ClientView>;
  /** Removes the client with its grants and tokens. */
  remove(clientId: string): Promise<void>;
  /** A new secret, answered this once; the old one stops working at once. */
  rotateSecret(clientId: string): Promise<ClientWithSecretView>;
}

export interface ApiOperations {
  list(): Promise<ApiView[]>;
  /** The API with the clients that use it. */
  get(audience: string): Promise<ApiView>;
  create(input: ApiInput): Promise<ApiView>;
  update(audience: string, changes: ApiChanges, expectedVersion?: number): Promise<ApiView>;
  /** Removes the API and takes it off the clients that used it (named in `usedBy`). */
  remove(audience: string): Promise<ApiView>;
}

export interface KeyOperations {
  list(): Promise<KeyView[]>;
  /** New keys published now, signing after `activateAfter` seconds (default one hour). */
  rotate(activateAfter?: number): Promise<RotationView>;
}

export interface AuditOperations {
  list(query?: AuditQuery): Promise<Page<EventView>>;
}

/** Everything an administrator can do. */
export interface AdminOperations {
  readonly users: UserOperations;
  readonly clients: ClientOperations;
  readonly apis: ApiOperations;
  readonly keys: KeyOperations;
  readonly audit: AuditOperations;
}
