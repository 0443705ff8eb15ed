// Where SSO relies on oidc-provider behaviour that is not its documented configuration API. Each
// entry names what SSO relies on, where, why no documented extension point does it, and the test
// that fails if an upgrade changes that behaviour. test/engine/engine-dependencies.test.ts checks
// that every named test exists, probes the ones no flow test covers, and refuses an oidc-provider
// version other than the one this list was reviewed against: an upgrade fails loudly until someone
// has gone through the list again and runs the named tests.

/** The oidc-provider version this list was last reviewed against. */
export const REVIEWED_ENGINE_VERSION = '9.13.3';

export interface EngineDependency {
  /** What SSO relies on. */
  readonly behaviour: string;
  /** Where SSO relies on it. */
  readonly where: string;
  /** Why no documented extension point is used instead. */
  readonly why: string;
  /** The tests that fail if the behaviour changes: `file` and test-title fragments. */
  readonly tests: readonly { readonly file: string; readonly titles: readonly string[] }[];
}

export const ENGINE_DEPENDENCIES: readonly EngineDependency[] = [
  {
    behaviour:
      'A refresh token is marked used through Adapter#consume, and Adapter#find reporting it ' +
      'without `consumed` makes the engine accept it again (the rotation grace window).',
    where: 'provider/oidc/adapter.ts (#findRefreshToken), provider/oidc/refresh-rotation.ts',
    why: 'The engine has rotateRefreshToken but no grace window for concurrent use.',
    tests: [
      {
        file: 'test/e2e/refresh.test.ts',
        titles: [
          'two concurrent refreshes with one token both succeed',
          'reuse after the grace window revokes the whole grant',
        ],
      },
      { file: 'test/security/concurrency.test.ts', titles: ['50 parallel refreshes'] },
    ],
  },
  {
    behaviour:
      'An authorization code that Adapter#find returns with `consumed` set is refused and its ' +
      "grant revoked (the engine's code replay rule), and Adapter#consume is the single-use write.",
    where: 'provider/oidc/adapter.ts (consume), adapters/*/oidc-records.ts',
    why: 'Documented adapter contract; listed because SSO makes consume conditional.',
    tests: [
      {
        file: 'test/e2e/code-replay.test.ts',
        titles: ['a second redemption fails and revokes the tokens of the first'],
      },
      {
        file: 'test/security/concurrency.test.ts',
        titles: ['50 parallel redemptions of one code'],
      },
    ],
  },
  {
    behaviour:
      'ReplayDetection records (DPoP proofs, client assertions) are looked up with Adapter#find ' +
      'before being upserted; SSO answers the lookup with a conditional insert, so "not seen" ' +
      'is answered once.',
    where: 'provider/oidc/adapter.ts (#claimOnce)',
    why: 'The engine checks then writes, which lets two concurrent replays both pass.',
    tests: [
      {
        file: 'test/engine/engine-dependencies.test.ts',
        titles: ['a DPoP proof is accepted once'],
      },
    ],
  },
  {
    behaviour:
      'A new Provider built with new keys replaces the running one between requests; sessions, ' +
      'grants and tokens live in the store, so nothing of the old instance is needed.',
    where: 'provider/oidc/engine.ts',
    why: 'The engine reads `jwks` once at construction and has no key-update API.',
    tests: [
      {
        file: 'test/e2e/signing-keys-processes.test.ts',
        titles: ['a rotation made by the CLI is published, then signs, then the old keys leave'],
      },
    ],
  },
  {
    behaviour:
      "The logout and device pages receive the engine's form as an HTML string; SSO reads its " +
      'action and hidden inputs and renders its own form.',
    where: 'interactions/engine-form.ts, provider/oidc/pages.ts',
    why: 'logoutSource and userCode*Source hand over markup, not fields.',
    tests: [
      {
        file: 'test/e2e/logout.test.ts',
        titles: ['signing out ends the session, notifies other apps'],
      },
      {
        file: 'test/e2e/device-flow.test.ts',
        titles: ['the user enters the code, signs in, consents and confirms'],
      },
    ],
  },
  {
    behaviour:
      "The device pages get the engine's internal errors and tell a wrong code (`userCode` on " +
      'the error, or name NoCodeError/NotFoundError) from a cancelled request (AbortedError).',
    where: 'provider/oidc/pages.ts (devicePages)',
    why: 'Those error classes are not exported.',
    tests: [
      {
        file: 'test/e2e/device-flow.test.ts',
        titles: ['a wrong code is refused on the page', 'cancelling on the confirmation page'],
      },
      { file: 'test/security/brute-force.test.ts', titles: ['guessing device codes'] },
    ],
  },
  {
    behaviour:
      'A device page posted without the session cookie makes the engine fail with a TypeError ' +
      '(500); SSO answers that request itself before the engine sees it.',
    where: 'provider/security/device-code-gate.ts',
    why: 'Engine bug; no hook runs before it.',
    tests: [
      {
        file: 'test/security/doors.test.ts',
        titles: ['the device page without its session cookie is a clear 400 page'],
      },
    ],
  },
  {
    behaviour:
      "The `fetch` option receives the engine's SSRF-checking `dispatcher` in its options; " +
      'leaving it out skips the special-use address check for allowed hosts.',
    where: 'provider/oidc/outgoing-requests.ts',
    why: 'The engine has no allow-list of internal hosts.',
    tests: [
      {
        file: 'test/security/outgoing-requests.test.ts',
        titles: ['a sign-out reaches the listed internal host and is refused for any other'],
      },
    ],
  },
  {
    behaviour:
      'Client lookups during client authentication go through Adapter#find of the Client model ' +
      'with the request in Provider.ctx; SSO checks the registered auth method, the per-client ' +
      'limits and turns a presented JWT into its record there.',
    where: 'provider/oidc/adapter.ts (#findClient), provider/oidc/client-authentication.ts',
    why: 'No documented hook runs between reading the request and authenticating the client.',
    tests: [
      {
        file: 'test/security/doors.test.ts',
        titles: ['a client authenticates only with its registered method'],
      },
      {
        file: 'test/e2e/jwt-introspection.test.ts',
        titles: ['a JWT access token introspects as active'],
      },
    ],
  },
  {
    behaviour:
      'formats.customizers.jwt is awaited while a JWT access token is issued, and the token ' +
      "model's static IN_PAYLOAD lists the fields its stored record has.",
    where: 'provider/oidc/jwt-access-tokens.ts',
    why: 'The engine stores no record of JWT access tokens and has no hook for it.',
    tests: [
      {
        file: 'test/e2e/jwt-introspection.test.ts',
        titles: [
          'revoking a JWT access token ends its grant',
          'a client-credentials JWT introspects as active',
        ],
      },
    ],
  },
  {
    behaviour:
      'The scopes of a client-credentials token are read from ctx.oidc.params after ' +
      'getResourceServerInfo, so a default set there is granted.',
    where: 'provider/oidc/resources.ts (grantApiScopes)',
    why: 'The engine has no default-scope setting for client credentials.',
    tests: [
      {
        file: 'test/e2e/client-credentials.test.ts',
        titles: ['without a scope, the token carries every scope of the API'],
      },
    ],
  },
  {
    behaviour:
      'Client#backchannelLogout(sub, sid) sends a signed logout token to the client outside a ' +
      'request (no ctx), as the engine itself does at end_session.',
    where: 'provider/services.ts (the Sessions notifier), provider/sessions/sessions.ts',
    why:
      'The engine sends back-channel logout only from its own end-session endpoint; an ' +
      "administrator's sign-out everywhere has no documented way to trigger it.",
    tests: [
      {
        file: 'test/admin/api.test.ts',
        titles: ['sign out everywhere sends a verifiable logout token and ends every token'],
      },
      {
        file: 'test/browser/admin-console.test.ts',
        titles: ["the app's back channel hears it"],
      },
    ],
  },
  {
    behaviour:
      'provider.AccessToken.find and provider.ClientCredentials.find take an opaque token value ' +
      'and answer its model (aud, scope, clientId, accountId, jkt) or undefined.',
    where: 'admin/api/authorize.ts',
    why: 'Token lookup by value is the models API; introspection would need a client of its own.',
    tests: [
      {
        file: 'test/admin/api.test.ts',
        titles: [
          'a token SSO did not issue, or for another API, is invalid_token',
          "a person's token works only while they are an administrator",
        ],
      },
    ],
  },
];
