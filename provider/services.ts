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
import { startEngine, type Engine } from './oidc/engine.ts';
import { endpointLimits, type EndpointLimits } from './security/endpoint-limits.ts';
import { SignInGuard } from './security/sign-in-guard.ts';

export interface Services {
  config: Readonly<Config>;
  log: Logger;
  store: Store;
  engine: Engine;
  accounts: Accounts;
  clients: Clients;
  apis: Apis;
  audit: AuditLog;
  /** The guard against guessing passwords and device codes. */
  guard: SignInGuard;
  limits: EndpointLimits;
  /** Stops timers and closes the store. */
  close(): Promise<void>;
}

/** Starts every service over an open, migrated store. */
export async function startServices(
  config: Readonly<Config>,
  store: Store,
  log: Logger,
): Promise<Services> {
  const accounts = new Accounts(store, createPasswordHasher(config.argon2));
  const audit = new AuditLog(store, log, config.auditRetention);
  const guard = new SignInGuard(store, config.signIn);
  const limits = endpointLimits({
    store,
    basePath: config.basePath,
    limits: config.rateLimits,
    interactionTtl: config.ttl.interaction,
    log,
  });
  const engine = await startEngine({
    config,
    store,
    accounts,
    log,
    security: { guard, limits, audit },
  });
  const validate: MetadataValidator = async (metadata) => {
    try {
      await engine.provider.Client.validate(
        metadata as Parameters<typeof engine.provider.Client.validate>[0],
      );
    } catch (error) {
      const { error_description: description, message } = error as {
        error_description?: string;
        message?: string;
      };
      throw new ValidationError('client', description ?? message ?? 'invalid client metadata');
    }
  };
  return {
    config,
    log,
    store,
    engine,
    accounts,
    clients: new Clients(store, validate),
    apis: new Apis(store, config.ttl.accessToken),
    audit,
    guard,
    limits,
    async close() {
      engine.stop();
      await store.close();
    },
  };
}
