// The errors people see, in words for people: the protocol engine's error codes and the few
// messages of its own and ours that a person can meet in a browser, mapped to sentences of the
// catalogues. The engine's own description ("interaction session id cookie not found") is for
// programs (the OAuth error JSON) and logs; the page shows the sentence, the error code under it in
// small print, and a way back to the application when SSO knows which it is.
import type { MessageKey } from './i18n/locales.ts';

// Descriptions (oidc-provider's and our interaction routes') that say the sign-in page is stale.
const STALE_SESSION =
  /^(interaction session id cookie not found|interaction session not found|session not found|session principal changed)$/;
const STALE_STEP = new Set([
  'this sign-in page belongs to another request',
  'this step of the sign-in is already done',
  'start signing in again',
  'set up the authenticator app first',
]);

const BY_CODE: Readonly<Record<string, MessageKey>> = {
  invalid_client: 'error.unknownApp',
  unauthorized_client: 'error.badRequest',
  invalid_redirect_uri: 'error.redirectUri',
  invalid_scope: 'error.scope',
  invalid_target: 'error.target',
  access_denied: 'error.accessDenied',
  login_required: 'error.loginRequired',
  consent_required: 'error.loginRequired',
  interaction_required: 'error.loginRequired',
  account_selection_required: 'error.loginRequired',
  unmet_authentication_requirements: 'error.acr',
  expired_token: 'error.expired',
  invalid_grant: 'error.expired',
  temporarily_unavailable: 'error.unavailable',
  server_error: 'error.server',
  not_found: 'error.notFound',
  invalid_request: 'error.badRequest',
  invalid_request_object: 'error.badRequest',
  invalid_request_uri: 'error.badRequest',
  request_not_supported: 'error.badRequest',
  request_uri_not_supported: 'error.badRequest',
  unsupported_response_type: 'error.badRequest',
  unsupported_response_mode: 'error.badRequest',
  invalid_dpop_proof: 'error.badRequest',
  registration_not_supported: 'error.badRequest',
};

/** What an error page says for the OAuth error `code` with the engine's `description`. */
export function errorSentence(code: string, description: string, status?: number): MessageKey {
  if (STALE_SESSION.test(description)) return 'error.sessionExpired';
  if (STALE_STEP.has(description)) return 'error.stepDone';
  if (description.startsWith('post_logout_redirect_uri')) return 'error.logoutRedirect';
  if (status === 413 || status === 414) return 'error.tooLarge';
  if (status === 405) return 'error.method';
  return BY_CODE[code] ?? 'error.generic';
}

/** The application as the engine knows it (its registered metadata). */
export interface KnownClient {
  clientId: string;
  clientName?: string | undefined;
  clientUri?: string | undefined;
  redirectUris?: readonly string[] | undefined;
}

/**
 * Where "Back to the application" leads: the app's `client_uri`, else the origin of its first
 * registered web redirect URI; never an address from the request itself, which may be the very one
 * that was refused.
 */
export function backToApp(
  client: KnownClient | undefined,
): { href: string; name: string } | undefined {
  if (!client) return undefined;
  const name = client.clientName ?? client.clientId;
  const web = (value: string | undefined) => {
    if (!value) return undefined;
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
    } catch {
      return undefined;
    }
  };
  const home = web(client.clientUri);
  if (home) return { href: home.href, name };
  const redirect = web(client.redirectUris?.find((uri) => web(uri)));
  return redirect ? { href: `${redirect.origin}/`, name } : undefined;
}
