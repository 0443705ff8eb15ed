// Accounts: creating people, checking their passwords, disabling them. Usernames and emails are
// compared lower-case; the account id (`sub`) is a random UUID that never changes.
import { randomUUID } from 'node:crypto';
import type { Account, AccountQuery, PostalAddress, Store } from '../../adapters/store.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { updateVersioned } from '../versioned-update.ts';
import { checkPassword } from './password-policy.ts';
import { PASSWORD_LENGTH, type PasswordHasher } from './passwords.ts';
import {
  checkAddress,
  checkField,
  PROFILE_FIELDS,
  type ProfileFieldName,
} from './profile-fields.ts';

/** A new account's fields, or (but the username) changes to one; an empty string clears a field. */
export type AccountInput = {
  username: string;
  email?: string;
  emailVerified?: boolean;
  phoneNumberVerified?: boolean;
  /** Parts of the address; on update, merged with the parts already stored. */
  address?: PostalAddress;
  groups?: string[];
  /** A second factor is required at every sign-in of this account. */
  mfaRequired?: boolean;
} & { [field in ProfileFieldName]?: string };

// No '@' in usernames: a login containing '@' is an email address, so one cannot shadow the other.
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const GROUP = /^[\w.:/@-]{1,128}$/;

declare const policyChecked: unique symbol;
/** An argon2id hash of a password that met the policy: only `hashNewPassword` makes one. */
export type CheckedPasswordHash = string & { readonly [policyChecked]: true };

/** Account operations over the store. */
export class Accounts {
  readonly #store: Store;
  readonly #hasher: PasswordHasher;

  constructor(store: Store, hasher: PasswordHasher) {
    this.#store = store;
    this.#hasher = hasher;
  }

  /** Creates an account (without a password unless one is given); ValidationError on bad input. */
  async create(input: AccountInput, password?: string): Promise<Account> {
    normalize(input); // bad input is told before a password is hashed for nothing
    return this.createWithHash(
      input,
      password === undefined ? undefined : await this.hashNewPassword(password),
    );
  }

  /** Creates an account whose password is already hashed (see hashNewPassword), as `create`. */
  async createWithHash(input: AccountInput, passwordHash?: CheckedPasswordHash): Promise<Account> {
    const now = Date.now();
    const account: Account = {
      id: randomUUID(),
      ...normalize(input),
      ...(input.mfaRequired ? { mfaRequired: true } : {}),
      disabled: false,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (passwordHash !== undefined) account.passwordHash = passwordHash;
    await this.#store.accounts.create(account);
    return account;
  }

  /** Checks `input` and `password` as `create` would, without creating anything. */
  check(input: AccountInput, password?: string): void {
    normalize(input);
    if (password !== undefined) checkPassword(password);
  }

  /** The account with this id (the OIDC `sub`). */
  get(id: string): Promise<Account | undefined> {
    return this.#store.accounts.get(id);
  }

  /** The account whose username or email is `login` (case-insensitive). */
  async findByLogin(login: string): Promise<Account | undefined> {
    const key = login.trim().toLowerCase();
    if (!key) return undefined;
    return key.includes('@')
      ? this.#store.accounts.findByEmail(key)
      : this.#store.accounts.findByUsername(key);
  }

  /** Every account, by username. */
  list(): Promise<Account[]> {
    return this.#store.accounts.list();
  }

  /**
   * One page of accounts by username: those whose username or email starts with `search` (any
   * case), in `group`, after the username `after`; at most `limit`.
   */
  page(query: {
    search?: string;
    group?: string;
    after?: string;
    limit: number;
  }): Promise<Account[]> {
    const selected: AccountQuery = { limit: query.limit };
    const prefix = query.search?.trim().toLowerCase();
    if (prefix) selected.prefix = prefix;
    if (query.group !== undefined) selected.group = query.group;
    if (query.after !== undefined) selected.after = query.after;
    return this.#store.accounts.page(selected);
  }

  /**
   * The enabled account that `login` and `password` identify, or undefined. Unknown logins, wrong
   * passwords, disabled accounts and accounts without a password all cost one argon2 verification.
   */
  async authenticate(login: string, password: string): Promise<Account | undefined> {
    return this.verifyPassword(await this.findByLogin(login), password);
  }

  /**
   * `account` when it is enabled and `password` is its password, else undefined; for a missing
   * account, or one without a password, a verification that always fails is run instead, so every
   * answer costs the same time.
   */
  async verifyPassword(
    account: Account | undefined,
    password: string,
  ): Promise<Account | undefined> {
    if (!account?.passwordHash || password.length > PASSWORD_LENGTH.max) {
      await this.#hasher.verifyNothing(password.slice(0, PASSWORD_LENGTH.max));
      return undefined;
    }
    const ok = await this.#hasher.verify(account.passwordHash, password);
    return ok && !account.disabled ? account : undefined;
  }

  /** Sets the password of `login`'s account. */
  async setPassword(login: string, password: string): Promise<Account> {
    const account = await this.#require(login);
    return this.setPasswordHash(account.username, await this.hashNewPassword(password));
  }

  /** Sets the password of `login`'s account to one already hashed (see hashNewPassword). */
  async setPasswordHash(login: string, passwordHash: CheckedPasswordHash): Promise<Account> {
    const account = await this.#require(login);
    return this.#save(login, account, (current) => ({ ...current, passwordHash }));
  }

  /**
   * The hash to store for a new password, once it meets the password policy (password-policy.ts);
   * ValidationError when it does not. Every password SSO stores comes through here.
   */
  async hashNewPassword(password: string): Promise<CheckedPasswordHash> {
    checkPassword(password);
    return (await this.#hasher.hash(password)) as CheckedPasswordHash;
  }

  /**
   * Changes profile fields of `login`'s account (the username stays); with `expectedVersion`, only
   * if the account is still at that version.
   */
  async update(
    login: string,
    changes: Omit<Partial<AccountInput>, 'username'>,
    expectedVersion?: number,
  ): Promise<Account> {
    return this.#save(
      login,
      await this.#require(login),
      (account) => {
        // A new address is unverified unless the change says otherwise.
        const emailChanged =
          changes.email !== undefined && changes.email.trim().toLowerCase() !== account.email;
        const emailVerified =
          changes.emailVerified ?? (emailChanged ? false : account.emailVerified);
        // So is a new phone number.
        const phoneChanged =
          changes.phoneNumber !== undefined &&
          checkField(PROFILE_FIELDS.phoneNumber, 'phoneNumber', changes.phoneNumber) !==
            account.phoneNumber;
        const phoneNumberVerified =
          changes.phoneNumberVerified ?? (phoneChanged ? false : account.phoneNumberVerified);
        const merged = normalize({
          ...account,
          ...changes,
          emailVerified,
          phoneNumberVerified,
          address: { ...account.address, ...changes.address },
          username: account.username,
        });
        // What is not profile stays as it is: the password, the second factors, the state.
        const { id, passwordHash, disabled, createdAt, updatedAt, version } = account;
        const { totp, recoveryCodes, passkeys } = account;
        const mfaRequired = changes.mfaRequired ?? account.mfaRequired;
        return {
          id,
          passwordHash,
          disabled,
          createdAt,
          updatedAt,
          version,
          ...(totp ? { totp } : {}),
          ...(recoveryCodes ? { recoveryCodes } : {}),
          ...(passkeys ? { passkeys } : {}),
          ...(mfaRequired ? { mfaRequired } : {}),
          ...merged,
        };
      },
      expectedVersion,
    );
  }

  /**
   * Disables or enables `login`'s account. Disabling ends every session of the account and removes
   * its grants and tokens, so nothing issued before keeps working.
   */
  async setDisabled(login: string, disabled: boolean, expectedVersion?: number): Promise<Account> {
    const account = await this.#require(login);
    const saved = await this.#save(
      login,
      account,
      (current) => ({ ...current, disabled }),
      expectedVersion,
    );
    if (disabled) await this.#store.oidc.destroyByAccountId(account.id);
    return saved;
  }

  /** Deletes `login`'s account together with its sessions, grants and tokens. */
  async remove(login: string): Promise<Account> {
    const account = await this.#require(login);
    await this.#store.oidc.destroyByAccountId(account.id);
    if (!(await this.#store.accounts.delete(account.id)))
      throw new NotFoundError(`user "${login}"`);
    return account;
  }

  async #require(login: string): Promise<Account> {
    const account = await this.findByLogin(login);
    if (!account) throw new NotFoundError(`user "${login}"`);
    return account;
  }

  // Applies `change` to the stored account (again if another writer changed it meanwhile).
  #save(
    login: string,
    account: Account,
    change: (current: Account) => Account,
    expectedVersion?: number,
  ): Promise<Account> {
    return updateVersioned(
      `user "${login}"`,
      () => this.#store.accounts.get(account.id),
      (current) => ({ ...change(current), updatedAt: Date.now() }),
      (next) => this.#store.accounts.replace(next),
      expectedVersion,
    );
  }
}

// Validates and canonicalizes the profile fields; absent optional fields stay absent.
function normalize(
  input: AccountInput,
): Omit<Account, 'id' | 'disabled' | 'createdAt' | 'updatedAt' | 'version'> {
  const username = input.username.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw new ValidationError(
      'username',
      'username must be 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit',
    );
  }
  const result: Omit<Account, 'id' | 'disabled' | 'createdAt' | 'updatedAt' | 'version'> = {
    username,
    emailVerified: input.emailVerified ?? false,
    groups: [...new Set(input.groups ?? [])],
  };
  if (input.email !== undefined && input.email.trim() !== '') {
    const email = input.email.trim().toLowerCase();
    if (!EMAIL.test(email))
      throw new ValidationError('email', `"${input.email}" is not an email address`);
    result.email = email;
  } else {
    result.emailVerified = false;
  }
  for (const group of result.groups) {
    if (!GROUP.test(group)) {
      throw new ValidationError(
        'groups',
        `group "${group}" must be 1-128 of letters, digits and . : / @ _ -`,
      );
    }
  }
  for (const [field, spec] of Object.entries(PROFILE_FIELDS)) {
    const value = checkField(spec, field, input[field as ProfileFieldName]);
    if (value !== undefined) result[field as ProfileFieldName] = value;
  }
  if (result.phoneNumber !== undefined)
    result.phoneNumberVerified = input.phoneNumberVerified ?? false;
  const address = checkAddress(input.address);
  if (address) result.address = address;
  return result;
}
