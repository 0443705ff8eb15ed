// A registered client of the issuer: its id and credentials over the discovered issuer, backed by an
// openid-client Configuration that the rest of the package uses for every protocol call.
import * as oidc from 'openid-client';
import { SsoError } from './errors.ts';
import type { Issuer } from './issuer.ts';

/** How the client authenticates at the token, introspection and revocation endpoints. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface ClientOptions {
  clientId: string;
  /** The client secret of a confidential client; absent for a public client. */
  clientSecret?: string;
  /** Default `client_secret_basic` with a secret, `none` without. */
  authMethod?: ClientAuthMethod;
}

/** A client of an issuer. Frozen; create one per client id and share it. */
export interface Client {
  readonly issuer: Issuer;
  readonly clientId: string;
  readonly authMethod: ClientAuthMethod;
}

const configurations = new WeakMap<Client, oidc.Configuration>();

/**
 * A client of `issuer` with its credentials.
 *
 * @example
 * ```ts
 * const client = createClient(issuer, { clientId: 'orders-web', clientSecret: secret });
 * ```
 */
export function createClient(issuer: Issuer, options: ClientOptions): Client {
  if (!options.clientId) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', { detail: 'clientId is required' });
  }
  const authMethod = options.authMethod ?? (options.clientSecret ? 'client_secret_basic' : 'none');
  if (authMethod !== 'none' && !options.clientSecret) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', {
      detail: `${authMethod} needs a clientSecret`,
    });
  }
  const auth =
    authMethod === 'none'
      ? oidc.None()
      : authMethod === 'client_secret_post'
        ? oidc.ClientSecretPost(options.clientSecret)
        : oidc.ClientSecretBasic(options.clientSecret);
  const configuration = new oidc.Configuration(
    issuer.metadata as oidc.ServerMetadata,
    options.clientId,
    undefined,
    auth,
  );
  configuration[oidc.customFetch] = (url, init) => issuer.fetch(url, init as RequestInit);
  if (issuer.allowHttp) oidc.allowInsecureRequests(configuration);
  const client: Client = Object.freeze({ issuer, clientId: options.clientId, authMethod });
  configurations.set(client, configuration);
  return client;
}

/** The openid-client Configuration behind `client` (package-internal). */
export function configurationOf(client: Client): oidc.Configuration {
  const configuration = configurations.get(client);
  if (!configuration) {
    throw new SsoError('SSO_CONFIGURATION_INVALID', {
      detail: 'not a client made by createClient()',
    });
  }
  return configuration;
}
