// The composition root: wires configuration, store, password hashing, the protocol engine and the
// account/client/API services once. The HTTP server and the CLI both start from here.
import type { Store } from '../adapters/store.ts';
import { Accounts } from './accounts/accounts.ts';
import { createPasswordHasher } from './accounts/passwords.ts';
import { Apis } from './apis/apis.ts';
import { AuditLog } from './audit/audit.ts';
import { Clients, type MetadataValidator } from './clients/clients.ts';
import type { Config } from './config.ts';
import { ValidationError } from './errors.ts';
import type { Logger } from './log.ts';
import { rename } from 'node:fs/promises';
import {
  nextKeyFile,
  readMasterKeyFile,
  resolveMasterKey,
  writeKeyFile,
  type MasterKey,
} from './keys/master-key.ts';
import { resealAll, sealSecrets, Sealer } from './keys/secrets-at-rest.ts';
import { ConfigurationCache } from './clients/configuration-cache.ts';
import { startEngine, type Engine } from './oidc/engine.ts';
import { KeyManagement } from './keys/key-management.ts';
import { SecondFactors } from './factors/second-factors.ts';
import { SignInSteps } from './factors/sign-in-steps.ts';
import { relyingParty } from './factors/passkeys.ts';
import { Sessions } from './sessions/sessions.ts';
import { localAdministration } from './administration/local.ts';
import { FirstRun } from './administration/first-run.ts';
import { ConsoleSessions } from './administration/console-sessions.ts';
import type { Actor, AdminOperations } from './administration/operations.ts';
import {
  adminApiAudience,
  ACCOUNT_CLIENT_ID,
  CONSOLE_CLIENT_ID,
  ensureSystemRecords,
} from './administration/system.ts';
import { describeError } from './log.ts';
import { endpointLimits, type EndpointLimits } from './security/endpoint-limits.ts';
import { SignInGuard } from './security/sign-in-guard.ts';
import { BackgroundWork } from './background.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { mailBrand } from './mail/templates.ts';
import { MailLimits } from './security/mail-limits.ts';
import { PasswordReset } from './people/password-reset.ts';
import { Registration } from './people/registration.ts';
import type { Metrics } from './observability/metrics.ts';
import { measuredStore } from './observability/measured-store.ts';

export interface Services {
  config: Readonly<Config>;
  log: Logger;
  store: Store;
  engine: Engine;
  accounts: Accounts;
  clients: Clients;
  apis: Apis;
  audit: AuditLog;
  keys: KeyManagement;
  sessions: Sessions;
  /** Second factors: TOTP, recovery codes, passkeys. */
  factors: SecondFactors;
  /** Sign-ins between their first and second factor. */
  signInSteps: SignInSteps;
  /** The first administrator: setup links and the automated bootstrap. */
  firstRun: FirstRun;
  /** Sessions of the admin console. */
  consoleSessions: ConsoleSessions;
  /** Sessions of the account page. */
  accountSessions: ConsoleSessions;
  /** What an administrator can do, with `by` recorded as the actor of every change. */
  administration(by: Actor): AdminOperations;
  /** The guard against guessing passwords and device codes. */
  guard: SignInGuard;
  limits: EndpointLimits;
  /** Outgoing mail (SSO_SMTP_URL); `configured` is false without it. */
  mailer: Mailer;
  /** Work done after a request was answered (mails); `idle()` waits for it. */
  background: BackgroundWork;
  /** Password reset by email. */
  passwordReset: PasswordReset;
  /** Self-registration (SSO_SELF_REGISTRATION). */
  registration: Registration;
  /** The key that seals secrets in the store (see keys/secrets-at-rest.ts). */
  masterKey: MasterKey;
  /**
   * Seals every secret with `newKey` instead (opening them with the current key). When the current
   * key is the embedded store's key file, `newKey` is written beside it first (master.key.next)
   * and replaces it once every secret is sealed, so an interruption loses no key. Answers how many
   * records changed.
   */
  rewrapSecrets(newKey: MasterKey): Promise<number>;
  /** The new key of an interrupted rewrap of the key file, if there is one. */
  interruptedRewrap: MasterKey | undefined;
  /** Stops timers and closes the store. */
  close(): Promise<void>;
}

interface BackchannelClient {
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

export interface StartOptions {
  /**
   * For commands that only read (`users list`, `keys list`, …): nothing is created or written —
   * no key file, no signing or cookie keys, no resealing — and the protocol engine is not started
   * (using `engine` is then an error).
   */
  readOnly?: boolean;
  /** See ConfigurationInput.clock (tests only). */
  clock?: () => number;
  /**
   * Creates or updates SSO's own registrations (the admin console client and the admin API) for
   * the configured issuer: what a server does at start-up, and the CLI does not (it may run with
   * another SSO_ISSUER than the server's).
   */
  systemRecords?: boolean;
  /** Metrics to report store calls, sign-ins, tokens and key ages to (a server's, when served). */
  metrics?: Metrics;
}

/** Starts every service over an open, migrated store. */
export async function startServices(
  config: Readonly<Config>,
  openedStore: Store,
  log: Logger,
  { readOnly = false, clock, systemRecords = false, metrics }: StartOptions = {},
): Promise<Services> {
  const rawStore = metrics ? measuredStore(openedStore, metrics) : openedStore;
  const resolved = await resolveMasterKey(config, rawStore, log, { create: !readOnly });
  const { key: masterKey, file: keyFile, interrupted } = resolved;
  const alsoOpens = interrupted ? [interrupted] : [];
  // A key file may be replaced by `sso keys rewrap` in another process: read it again then.
  const reload = keyFile ? () => readMasterKeyFile(keyFile) : undefined;
  const sealer = new Sealer(masterKey, alsoOpens, reload);
  // Clients and APIs in memory for the engine; their writes through `store` move its stamp.
  const configuration = new ConfigurationCache(sealSecrets(rawStore, sealer));
  const { store } = configuration;
  // Secrets an older version kept in the clear are sealed now (not during a rewrap: that would
  // seal them with the old key again).
  const resealed = interrupted || readOnly ? 0 : await resealAll(rawStore, store, sealer);
  if (resealed) log.info('secrets sealed with the master key', { records: resealed });
  const accounts = new Accounts(store, createPasswordHasher(config.argon2));
  const audit = new AuditLog(
    store,
    log,
    config.auditRetention,
    metrics ? (type, details) => metrics.audit(type, details) : undefined,
  );
  const guard = new SignInGuard(store, config.signIn);
  const limits = endpointLimits({
    store,
    basePath: config.basePath,
    limits: config.rateLimits,
    interactionTtl: config.ttl.interaction,
    log,
  });
  const engine = readOnly
    ? undefined
    : await startEngine({
        config,
        store: configuration.engineStore,
        accounts,
        log,
        security: { guard, limits, audit },
        ...(clock ? { clock } : {}),
        ...(metrics ? { metrics } : {}),
      });
  const running = (): Engine => {
    if (!engine) throw new Error('the protocol engine is not started for read-only services');
    return engine;
  };
  const validate: MetadataValidator = async (metadata) => {
    const { provider } = running();
    try {
      await provider.Client.validate(metadata as Parameters<typeof provider.Client.validate>[0]);
    } catch (error) {
      const { error_description: description, message } = error as {
        error_description?: string;
        message?: string;
      };
      throw new ValidationError('client', description ?? message ?? 'invalid client metadata');
    }
  };
  const clients = new Clients(store, validate, [CONSOLE_CLIENT_ID, ACCOUNT_CLIENT_ID]);
  const apis = new Apis(store, config.ttl.apiAccessToken, [adminApiAudience(config.issuer)]);
  const keys = new KeyManagement(store, config.ttl);
  const sessions = new Sessions(
    store,
    async (clientId, accountId, sid) => {
      const client = await running().provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) return false;
      // oidc-provider's own back-channel logout (engine-dependencies.ts).
      await (client as unknown as BackchannelClient).backchannelLogout(accountId, sid);
      return true;
    },
    (clientId, error) =>
      log.warn('back-channel logout delivery failed', { clientId, ...describeError(error) }),
  );
  const factors = new SecondFactors(
    store,
    {
      seal: (text, context) => sealer.seal(text, context),
      open: (text, context) => sealer.openAdopting(text, context),
    },
    relyingParty(config.issuer, 'SSO'),
    clock,
  );
  if (systemRecords && !readOnly) await ensureSystemRecords(store, config, clients);
  const mailer = createMailer(config.mail);
  const background = new BackgroundWork(log);
  const mailLimits = new MailLimits(store, config.people.mailLimits);
  const people = {
    store,
    accounts,
    audit,
    mailer,
    limits: mailLimits,
    background,
    log,
    brand: mailBrand(config.brand, config.issuer),
  };
  const passwordReset = new PasswordReset({
    ...people,
    sessions,
    issuer: config.issuer,
    linkTtl: config.people.resetLinkTtl,
  });
  const registration = new Registration({
    ...people,
    issuer: config.issuer,
    offered: config.people.selfRegistration,
    linkTtl: config.people.registrationLinkTtl,
  });
  return {
    config,
    log,
    store,
    get engine() {
      return running();
    },
    accounts,
    clients,
    apis,
    audit,
    keys,
    sessions,
    factors,
    signInSteps: new SignInSteps(store, config.ttl.interaction),
    firstRun: new FirstRun(store, accounts, audit, config.admin, config.issuer),
    consoleSessions: new ConsoleSessions(store, config.admin, clock),
    accountSessions: new ConsoleSessions(store, config.admin, clock, 'account'),
    administration: (by) =>
      localAdministration(
        { accounts, clients, apis, keys, audit, guard, sessions, factors, passwordReset },
        by,
      ),
    guard,
    limits,
    mailer,
    background,
    passwordReset,
    registration,
    masterKey,
    async rewrapSecrets(newKey) {
      const text = newKey.key.toString('base64url');
      if (keyFile) await writeKeyFile(nextKeyFile(keyFile), text, true);
      const rewrapper = new Sealer(newKey, [masterKey, ...alsoOpens]);
      const changed = await resealAll(rawStore, sealSecrets(rawStore, rewrapper), rewrapper);
      if (keyFile) await rename(nextKeyFile(keyFile), keyFile);
      return changed;
    },
    interruptedRewrap: interrupted,
    async close() {
      engine?.stop();
      await background.idle();
      mailer.close();
      await limits.stop();
      await store.close();
    },
  };
}
