// A person's second factors: an authenticator app (TOTP), recovery codes and passkeys. Enrolment
// and removal, the checks at sign-in (each code usable once, each WebAuthn challenge once), and
// whether a sign-in needs one (policy.ts). Changes to an account are compare-and-swap on its
// version, so two sign-ins racing with one code cannot both win.
import { randomBytes } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Account, Passkey, Store } from '../../adapters/store.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { updateVersioned } from '../versioned-update.ts';
import {
  authenticationOptions,
  registrationOptions,
  verifyAuthentication,
  verifyRegistration,
  type RelyingParty,
} from './passkeys.ts';
import { newRecoveryCodes, recoveryCodeIndex } from './recovery-codes.ts';
import { newTotpSecret, totpStep, totpUri, TOTP_PARAMETERS } from './totp.ts';

/** Seals and opens a secret kept in the store (the master key's sealer). */
export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): Promise<string>;
}

/** What a person has set up, as pages show it. */
export interface FactorSummary {
  totp: boolean;
  passkeys: { id: string; name: string; createdAt: number; lastUsedAt?: number }[];
  recoveryCodesLeft: number;
}

/** How long an enrolment or a WebAuthn challenge may take, seconds. */
const CEREMONY_SECONDS = 600;

const MAX_PASSKEYS = 20;

/** Second factors over the store. */
export class SecondFactors {
  readonly #store: Store;
  readonly #box: SecretBox;
  readonly #rp: RelyingParty;
  readonly #clock: () => number;

  constructor(store: Store, box: SecretBox, rp: RelyingParty, clock: () => number = Date.now) {
    this.#store = store;
    this.#box = box;
    this.#rp = rp;
    this.#clock = clock;
  }

  /** Whether the account has any second factor (passkeys count, recovery codes alone do not). */
  static has(account: Account): boolean {
    return account.totp !== undefined || (account.passkeys?.length ?? 0) > 0;
  }

  /** What `account` has set up. */
  static summary(account: Account): FactorSummary {
    return {
      totp: account.totp !== undefined,
      passkeys: (account.passkeys ?? []).map(({ id, name, createdAt, lastUsedAt }) => ({
        id,
        name,
        createdAt,
        ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
      })),
      recoveryCodesLeft: account.recoveryCodes?.hashes.length ?? 0,
    };
  }

  // TOTP

  /**
   * Starts enrolling an authenticator app: a new secret, kept (sealed) until confirmed with a code
   * within ten minutes. Answers what the app needs: the secret, the otpauth:// URI for its QR code.
   */
  async beginTotp(
    account: Account,
    issuerName: string,
  ): Promise<{ secret: string; uri: string; parameters: typeof TOTP_PARAMETERS }> {
    const secret = newTotpSecret();
    await this.#store.oidc.upsert(
      'Ticket',
      `totp-enrolment:${account.id}`,
      { accountId: account.id, secret: this.#box.seal(secret, `totp-enrolment:${account.id}`) },
      CEREMONY_SECONDS,
    );
    return {
      secret,
      uri: totpUri(secret, issuerName, account.username),
      parameters: TOTP_PARAMETERS,
    };
  }

  /**
   * Confirms the enrolment with a current code of the new secret; the account then has TOTP (any
   * previous authenticator replaced). Answers new recovery codes when the account had none (shown
   * once), else undefined. ValidationError for a wrong code or no enrolment in progress.
   */
  async confirmTotp(accountId: string, code: string): Promise<string[] | undefined> {
    const id = `totp-enrolment:${accountId}`;
    const pending = await this.#store.oidc.find('Ticket', id);
    if (typeof pending?.secret !== 'string') {
      throw new ValidationError('code', 'start setting up the authenticator app again');
    }
    const secret = await this.#box.open(pending.secret, id);
    const now = this.#clock();
    const step = totpStep(secret, code, now);
    if (step === undefined) {
      throw new ValidationError(
        'code',
        'that code is not the current one; check the app and the time on the device',
      );
    }
    if (!(await this.#store.oidc.consume('Ticket', id))) {
      throw new ValidationError('code', 'start setting up the authenticator app again');
    }
    let codes: string[] | undefined;
    await this.#change(accountId, (account) => {
      codes = undefined;
      const next: Account = { ...account, totp: { secret, confirmedAt: now, lastStep: step } };
      if (!account.recoveryCodes?.hashes.length) {
        const fresh = newRecoveryCodes(now);
        codes = fresh.codes;
        next.recoveryCodes = fresh.stored;
      }
      return next;
    });
    await this.#store.oidc.destroy('Ticket', id);
    return codes;
  }

  /**
   * Checks a TOTP code of the account at sign-in: accepted once, within one step of drift, and
   * only for a step after the last one accepted. Answers whether it was accepted.
   */
  async checkTotp(accountId: string, code: string): Promise<boolean> {
    const now = this.#clock();
    let accepted = false;
    await this.#change(accountId, (account) => {
      accepted = false;
      if (!account.totp) return account;
      const step = totpStep(account.totp.secret, code, now);
      if (step === undefined || step <= (account.totp.lastStep ?? -1)) return account;
      accepted = true;
      return { ...account, totp: { ...account.totp, lastStep: step } };
    });
    return accepted;
  }

  /** Removes the authenticator app. */
  async removeTotp(accountId: string): Promise<void> {
    await this.#change(accountId, ({ totp: _removed, ...account }) => account);
  }

  /** Removes every second factor of the account (it lost its devices): TOTP, codes, passkeys. */
  async removeAll(accountId: string): Promise<void> {
    await this.#change(accountId, (account) => {
      const { totp: _totp, recoveryCodes: _codes, passkeys: _passkeys, ...rest } = account;
      return rest;
    });
  }

  // Recovery codes

  /** Replaces the recovery codes with ten new ones, answered once. */
  async newRecoveryCodes(accountId: string): Promise<string[]> {
    const fresh = newRecoveryCodes(this.#clock());
    await this.#change(accountId, (account) => ({ ...account, recoveryCodes: fresh.stored }));
    return fresh.codes;
  }

  /** Uses a recovery code at sign-in: accepted once; answers whether it was. */
  async useRecoveryCode(accountId: string, code: string): Promise<boolean> {
    let accepted = false;
    await this.#change(accountId, (account) => {
      accepted = false;
      const stored = account.recoveryCodes;
      const index = stored ? recoveryCodeIndex(stored, code) : -1;
      if (!stored || index < 0) return account;
      accepted = true;
      return {
        ...account,
        recoveryCodes: { ...stored, hashes: stored.hashes.filter((_, i) => i !== index) },
      };
    });
    return accepted;
  }

  // Passkeys

  /** Options for the browser to create a passkey for the account (the challenge kept once). */
  async beginPasskey(account: Account) {
    if ((account.passkeys?.length ?? 0) >= MAX_PASSKEYS) {
      throw new ValidationError('passkey', `at most ${MAX_PASSKEYS} passkeys per account`);
    }
    const options = await registrationOptions(this.#rp, account);
    await this.#challenge(`passkey-registration:${account.id}`, options.challenge, account.id);
    return options;
  }

  /**
   * Adds the passkey the browser created with the challenge of `beginPasskey`. ValidationError when
   * it does not verify, the challenge is spent or expired, or the credential is registered already
   * (to this account or another).
   */
  async addPasskey(
    accountId: string,
    response: RegistrationResponseJSON,
    name: string,
  ): Promise<Passkey> {
    const challenge = await this.#spend(`passkey-registration:${accountId}`);
    const label = name.trim().slice(0, 64) || 'Passkey';
    const passkey =
      challenge && (await verifyRegistration(this.#rp, response, challenge, label, this.#clock()));
    if (!passkey)
      throw new ValidationError('passkey', 'the passkey could not be verified; try again');
    if (await this.#store.accounts.findByPasskey(passkey.id)) {
      throw new ValidationError('passkey', 'this passkey is registered already');
    }
    await this.#change(accountId, (account) => ({
      ...account,
      passkeys: [...(account.passkeys ?? []), passkey],
    }));
    return passkey;
  }

  /** Removes one passkey of the account (NotFoundError when it has none with that id). */
  async removePasskey(accountId: string, id: string): Promise<void> {
    await this.#change(accountId, (account) => {
      if (!account.passkeys?.some((key) => key.id === id)) throw new NotFoundError('passkey');
      return { ...account, passkeys: account.passkeys.filter((key) => key.id !== id) };
    });
  }

  /**
   * Options to prove a passkey for a sign-in step named `key` (an interaction, say): one of the
   * account's passkeys as a second factor, or any discoverable one (no account) as the first.
   */
  async beginPasskeyCheck(key: string, account: Account | undefined) {
    const options = await authenticationOptions(
      this.#rp,
      account?.passkeys ?? undefined,
      account ? 'preferred' : 'required',
    );
    await this.#challenge(`passkey-check:${key}`, options.challenge, account?.id);
    return options;
  }

  /**
   * The account whose passkey signed the challenge of `beginPasskeyCheck(key)`, or undefined. As a
   * first factor (no `accountId`) the authenticator must have verified the person (PIN,
   * biometrics); as a second, the passkey must be the account's. Each challenge works once.
   */
  async checkPasskey(
    key: string,
    response: AuthenticationResponseJSON,
    accountId?: string,
  ): Promise<{ account: Account; userVerified: boolean } | undefined> {
    const challenge = await this.#spend(`passkey-check:${key}`, accountId);
    if (!challenge || typeof response?.id !== 'string') return undefined;
    const account = await this.#store.accounts.findByPasskey(response.id);
    if (!account || account.disabled || (accountId !== undefined && account.id !== accountId)) {
      return undefined;
    }
    const passkey = account.passkeys!.find((candidate) => candidate.id === response.id)!;
    const counter = await verifyAuthentication(
      this.#rp,
      response,
      challenge,
      passkey,
      accountId === undefined,
    );
    if (counter === undefined) return undefined;
    // A counter that does not grow (when the authenticator counts) means a cloned credential.
    if (passkey.counter > 0 && counter <= passkey.counter) return undefined;
    const now = this.#clock();
    const updated = await this.#change(account.id, (current) => ({
      ...current,
      passkeys: (current.passkeys ?? []).map((candidate) =>
        candidate.id === passkey.id ? { ...candidate, counter, lastUsedAt: now } : candidate,
      ),
    }));
    return { account: updated, userVerified: accountId === undefined };
  }

  // Keeps a WebAuthn challenge for one use.
  async #challenge(id: string, challenge: string, accountId: string | undefined): Promise<void> {
    await this.#store.oidc.upsert(
      'Ticket',
      id,
      { challenge, nonce: randomBytes(8).toString('hex'), ...(accountId ? { accountId } : {}) },
      CEREMONY_SECONDS,
    );
  }

  // The challenge `id` if this call is the one that spends it (and it was for `accountId`).
  async #spend(id: string, accountId?: string): Promise<string | undefined> {
    const record = await this.#store.oidc.find('Ticket', id);
    if (typeof record?.challenge !== 'string') return undefined;
    if (accountId !== undefined && record.accountId !== accountId) return undefined;
    if (!(await this.#store.oidc.consume('Ticket', id))) return undefined;
    await this.#store.oidc.destroy('Ticket', id);
    return record.challenge;
  }

  #change(accountId: string, change: (account: Account) => Account): Promise<Account> {
    return updateVersioned(
      `user "${accountId}"`,
      () => this.#store.accounts.get(accountId),
      (account) => ({ ...change(account), updatedAt: this.#clock() }),
      (next) => this.#store.accounts.replace(next),
    );
  }
}
