// The admin API's OpenAPI 3.1 document: every operation, its input and output. The server serves it
// at /admin/api/openapi.json and validates request bodies against the same schemas (validation.ts);
// the tests validate every response they get against it.
import { ADDRESS_FIELDS, PROFILE_FIELDS } from '../../provider/accounts/profile-fields.ts';
import { GRANT_TYPES } from '../../provider/clients/clients.ts';
import { ADMIN_SCOPES } from '../../provider/administration/system.ts';
import { MAX_AUDIT_PAGE } from '../../provider/administration/local.ts';
import { MAX_PAGE } from '../../provider/administration/operations.ts';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const text = (maxLength = 200): Schema => ({ type: 'string', maxLength });
const uri = (): Schema => ({ type: 'string', maxLength: 2048 });
const list = (items: Schema, maxItems = 100): Schema => ({ type: 'array', items, maxItems });
const time: Schema = { type: 'string', format: 'date-time' };
const object = (properties: Record<string, Schema>, required: string[] = []): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
});
const page = (item: string): Schema =>
  object(
    {
      items: list(ref(item), MAX_AUDIT_PAGE),
      next: { type: 'string', description: 'The cursor of the next page; absent on the last.' },
    },
    ['items'],
  );

const profileFields = Object.fromEntries(
  Object.keys(PROFILE_FIELDS).map((field) => [field, text(2048)]),
);
const address = object(Object.fromEntries(Object.keys(ADDRESS_FIELDS).map((f) => [f, text()])));
// Input schemas give shapes and bounds; the rules (what a group name, a password or a grant may
// be) are the domain services', so their messages are the same through every way in.
const group: Schema = { type: 'string', maxLength: 256 };
const grantType: Schema = {
  type: 'string',
  maxLength: 64,
  description: `One of ${Object.keys(GRANT_TYPES).join(', ')}.`,
};
const password: Schema = { type: 'string', maxLength: 1024, description: '8 to 256 characters.' };
const choice = (values: string[]): Schema => ({
  type: 'string',
  maxLength: 64,
  description: `One of ${values.join(', ')}.`,
});
const userFields = {
  mfaRequired: { type: 'boolean', description: 'A second factor is required at every sign-in.' },
  email: text(320),
  emailVerified: { type: 'boolean' },
  ...profileFields,
  phoneNumberVerified: { type: 'boolean' },
  address,
  groups: list(group),
};
const clientFields = {
  name: text(),
  native: { type: 'boolean', description: 'A native app: loopback and custom-scheme redirects.' },
  grantTypes: list(grantType, 8),
  redirectUris: list(uri()),
  postLogoutRedirectUris: list(uri()),
  backchannelLogoutUri: { ...uri(), description: 'Empty to remove it.' },
  firstParty: { type: 'boolean', description: 'Skips the consent page.' },
  requireMfa: { type: 'boolean', description: 'Everyone signing in to it needs a second factor.' },
  allowedApis: list(uri()),
  apiScopes: {
    type: 'object',
    description: 'Per allowed API, the only scopes of it the client may get (all when not named).',
    additionalProperties: list({ type: 'string', maxLength: 256 }),
  },
  resourceServerFor: list(uri()),
  authMethod: choice(['client_secret_basic', 'client_secret_post']),
  idTokenSigningAlg: choice(['ES256', 'RS256']),
  allowInsecureRedirectUris: {
    type: 'boolean',
    description: 'Development only: plain-http redirect URIs on hosts other than loopback.',
  },
};
const apiFields = {
  name: text(),
  scopes: list({ type: 'string', maxLength: 256 }),
  accessTokenTtl: { type: 'integer', description: 'Seconds, 1 to 86400.' },
  signingAlg: choice(['ES256', 'RS256']),
  tokenFormat: choice(['jwt', 'opaque']),
};

const schemas: Record<string, Schema> = {
  Problem: {
    ...object(
      {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        code: {
          type: 'string',
          description: 'Stable: what went wrong, for programs.',
          enum: [
            'invalid_input',
            'unauthorized',
            'insufficient_scope',
            'forbidden',
            'not_found',
            'method_not_allowed',
            'conflict',
            'precondition_failed',
            'precondition_required',
            'payload_too_large',
            'unsupported_media_type',
            'temporarily_unavailable',
            'mail_undelivered',
            'server_error',
          ],
        },
        errors: list(
          object({ pointer: { type: 'string' }, message: { type: 'string' } }, [
            'pointer',
            'message',
          ]),
        ),
      },
      ['type', 'title', 'status', 'code'],
    ),
    description: 'RFC 9457 problem details, with a stable `code`.',
  },
  User: object(
    {
      id: { type: 'string', description: 'The OIDC `sub`.' },
      username: { type: 'string' },
      ...userFields,
      disabled: { type: 'boolean' },
      hasPassword: { type: 'boolean' },
      secondFactors: object(
        {
          totp: { type: 'boolean', description: 'An authenticator app is set up.' },
          passkeys: { type: 'integer', minimum: 0 },
          recoveryCodesLeft: { type: 'integer', minimum: 0 },
        },
        ['totp', 'passkeys', 'recoveryCodesLeft'],
      ),
      createdAt: time,
      updatedAt: time,
      version: { type: 'integer', minimum: 0 },
    },
    [
      'id',
      'username',
      'emailVerified',
      'groups',
      'disabled',
      'hasPassword',
      'mfaRequired',
      'secondFactors',
      'createdAt',
      'updatedAt',
      'version',
    ],
  ),
  UserPage: page('User'),
  NewUser: object({ username: text(64), ...userFields, password }, ['username']),
  UserChanges: {
    ...object({ ...userFields, disabled: { type: 'boolean' } }),
    minProperties: 1,
  },
  Password: object({ password }, ['password']),
  ResetSent: object(
    {
      username: { type: 'string' },
      email: { type: 'string', description: 'Where the link went.' },
      expiresAt: { ...time, description: 'Until when the link works.' },
    },
    ['username', 'email', 'expiresAt'],
  ),
  Unlock: object({ address: text(64) }),
  Unlocked: object(
    {
      username: { type: 'string' },
      lifted: { type: 'boolean' },
      addressLifted: { type: 'boolean' },
    },
    ['username', 'lifted', 'addressLifted'],
  ),
  Session: object(
    {
      uid: { type: 'string' },
      loginAt: time,
      expiresAt: time,
      amr: list({ type: 'string' }),
      clients: list(
        object({ clientId: { type: 'string' }, name: { type: 'string' } }, ['clientId']),
      ),
    },
    ['uid', 'amr', 'clients'],
  ),
  Sessions: list(ref('Session'), 10_000),
  Grant: object(
    {
      grantId: { type: 'string' },
      clientId: { type: 'string' },
      clientName: { type: 'string' },
      scopes: list({ type: 'string' }),
      apis: { type: 'object', additionalProperties: list({ type: 'string' }) },
      createdAt: time,
      expiresAt: time,
    },
    ['grantId', 'clientId', 'scopes', 'apis'],
  ),
  Grants: list(ref('Grant'), 10_000),
  SignOut: object(
    {
      sessions: { type: 'integer', minimum: 0, description: 'How many sessions ended.' },
      notified: {
        ...list({ type: 'string' }, 10_000),
        description: 'Apps told by back-channel logout.',
      },
      failed: { ...list({ type: 'string' }, 10_000), description: 'Apps that could not be told.' },
    },
    ['sessions', 'notified', 'failed'],
  ),
  Client: object(
    {
      clientId: { type: 'string' },
      name: { type: 'string' },
      type: { enum: ['confidential', 'public'] },
      applicationType: { enum: ['web', 'native'] },
      grantTypes: list({ enum: Object.keys(GRANT_TYPES) }, 4),
      redirectUris: list({ type: 'string' }),
      postLogoutRedirectUris: list({ type: 'string' }),
      backchannelLogoutUri: { type: 'string' },
      firstParty: { type: 'boolean' },
      requireMfa: { type: 'boolean' },
      allowedApis: list({ type: 'string' }),
      apiScopes: { type: 'object', additionalProperties: list({ type: 'string' }) },
      resourceServerFor: list({ type: 'string' }),
      authMethod: { enum: ['client_secret_basic', 'client_secret_post'] },
      idTokenSigningAlg: { enum: ['ES256', 'RS256'] },
      disabled: { type: 'boolean' },
      system: { type: 'boolean', description: "SSO's own (the admin console): not editable." },
      createdAt: time,
      updatedAt: time,
      version: { type: 'integer', minimum: 0 },
    },
    [
      'clientId',
      'type',
      'applicationType',
      'grantTypes',
      'redirectUris',
      'postLogoutRedirectUris',
      'firstParty',
      'requireMfa',
      'allowedApis',
      'resourceServerFor',
      'idTokenSigningAlg',
      'disabled',
      'system',
      'createdAt',
      'updatedAt',
      'version',
    ],
  ),
  ClientPage: page('Client'),
  NewClient: object(
    {
      clientId: {
        type: 'string',
        maxLength: 256,
        description: '3-128 of letters, digits and . _ ~ - (default: random).',
      },
      type: { enum: ['confidential', 'public'] },
      ...clientFields,
    },
    ['type', 'grantTypes'],
  ),
  ClientChanges: {
    ...object({ ...clientFields, disabled: { type: 'boolean' } }),
    minProperties: 1,
  },
  Api: object(
    {
      audience: { type: 'string' },
      name: { type: 'string' },
      scopes: list({ type: 'string' }),
      accessTokenTtl: { type: 'integer' },
      signingAlg: { enum: ['ES256', 'RS256'] },
      tokenFormat: { enum: ['jwt', 'opaque'] },
      system: { type: 'boolean', description: "SSO's own admin API: not editable." },
      usedBy: { ...list({ type: 'string' }, 10_000), description: 'The clients that use it.' },
      createdAt: time,
      updatedAt: time,
      version: { type: 'integer', minimum: 0 },
    },
    [
      'audience',
      'scopes',
      'accessTokenTtl',
      'signingAlg',
      'tokenFormat',
      'system',
      'createdAt',
      'updatedAt',
      'version',
    ],
  ),
  Apis: list(ref('Api'), 10_000),
  NewApi: object({ audience: uri(), ...apiFields }, ['audience', 'scopes']),
  ApiChanges: { ...object(apiFields), minProperties: 1 },
  Key: object(
    {
      kid: { type: 'string' },
      alg: { type: 'string' },
      state: { enum: ['pending', 'active', 'retired', 'expired'] },
      createdAt: time,
      activatesAt: time,
      retiresAt: time,
      expiresAt: time,
    },
    ['kid', 'alg', 'state', 'createdAt', 'activatesAt'],
  ),
  Keys: list(ref('Key'), 1000),
  NewRotation: object({
    activateAfter: {
      type: 'integer',
      minimum: 0,
      maximum: 2_592_000,
      description: 'Seconds between publishing the new keys and signing with them (default 3600).',
    },
  }),
  Rotation: object(
    {
      activateAfter: { type: 'integer' },
      activatesAt: time,
      maxTokenLifetime: { type: 'integer' },
      added: list({ type: 'string' }),
      retiring: list({ type: 'string' }),
      keys: list(ref('Key'), 1000),
    },
    ['activateAfter', 'activatesAt', 'maxTokenLifetime', 'added', 'retiring', 'keys'],
  ),
  Event: object(
    {
      id: { type: 'string' },
      time,
      type: { type: 'string' },
      actor: { type: 'string' },
      username: { type: 'string' },
      accountId: { type: 'string' },
      clientId: { type: 'string' },
      ip: { type: 'string' },
      details: {
        type: 'object',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
      },
    },
    ['id', 'time', 'type', 'actor'],
  ),
  EventPage: page('Event'),
};
// ClientWithSecret: Client's fields and `clientSecret` (allOf cannot widen additionalProperties).
const client = schemas.Client as { properties: Record<string, Schema>; required: string[] };
schemas.ClientWithSecret = {
  ...object({ ...client.properties, clientSecret: { type: 'string' } }, client.required),
  description: 'A client with the secret it was just given: shown this once, never again.',
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const errors = {
  400: { $ref: '#/components/responses/BadInput' },
  401: { $ref: '#/components/responses/Unauthorized' },
  403: { $ref: '#/components/responses/Forbidden' },
  413: { $ref: '#/components/responses/TooLarge' },
  415: { $ref: '#/components/responses/NotJson' },
  503: { $ref: '#/components/responses/Unavailable' },
};
const json = (schema: string, description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
  ...(headers ? { headers } : {}),
});
const etag = { ETag: { $ref: '#/components/headers/ETag' } };
const body = (schema: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(schema) } },
});
const parameter = (name: string, description: string, schema: Schema = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema,
});
const query = (name: string, description: string, schema: Schema = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const read = [{ oauth2: [ADMIN_SCOPES.read] }, { oauth2: [ADMIN_SCOPES.write] }];
const write = [{ oauth2: [ADMIN_SCOPES.write] }];
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: true,
  description: 'The ETag of the version the change is made against.',
  schema: { type: 'string' },
};
const paging = [
  query('cursor', 'The `next` of the previous page.'),
  query('limit', `At most this many (1 to ${MAX_PAGE}, default 50).`, {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
  }),
];
const userId = parameter('id', 'The user id (`sub`).');
const clientId = parameter('clientId', 'The client id.');
const audience = parameter('audience', "The API's audience, URL-encoded.");
const changed = {
  404: { $ref: '#/components/responses/NotFound' },
  409: { $ref: '#/components/responses/Conflict' },
  412: { $ref: '#/components/responses/PreconditionFailed' },
  428: { $ref: '#/components/responses/PreconditionRequired' },
};

/** The OpenAPI document of the admin API served by the issuer `issuer`. */
export function openApiDocument(issuer: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'SSO admin API',
      version: '1.0.0',
      description:
        'Register applications and APIs, manage people, rotate keys and read the audit log. ' +
        `Authorized by access tokens for the audience ${issuer}/admin/api: ${ADMIN_SCOPES.read} ` +
        `to read, ${ADMIN_SCOPES.write} to change (and read). A person's token also needs them to ` +
        'be an administrator. Errors are RFC 9457 problem details with a stable `code`.',
    },
    servers: [{ url: `${issuer}/admin/api` }],
    security: read,
    paths: {
      '/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document',
          security: [],
          responses: {
            200: {
              description: 'The OpenAPI document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
      '/users': {
        get: {
          operationId: 'listUsers',
          summary: 'Users by username',
          parameters: [
            query('search', 'A username or email prefix (any case).'),
            query('group', 'Only members of this group.'),
            ...paging,
          ],
          responses: { 200: json('UserPage', 'One page of users.'), ...errors },
        },
        post: {
          operationId: 'createUser',
          summary: 'Create a user',
          security: write,
          requestBody: body('NewUser'),
          responses: {
            201: json('User', 'The new user.', etag),
            ...errors,
            409: { $ref: '#/components/responses/Conflict' },
          },
        },
      },
      '/users/{id}': {
        parameters: [userId],
        get: {
          operationId: 'getUser',
          summary: 'One user',
          responses: {
            200: json('User', 'The user.', etag),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
        patch: {
          operationId: 'updateUser',
          summary: 'Change a profile, or disable (ending every session) or enable',
          security: write,
          parameters: [ifMatch],
          requestBody: body('UserChanges'),
          responses: { 200: json('User', 'The user as changed.', etag), ...errors, ...changed },
        },
        delete: {
          operationId: 'deleteUser',
          summary: 'Delete a user with their sessions, grants and tokens',
          security: write,
          responses: {
            200: json('User', 'The user that was deleted.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/password': {
        parameters: [userId],
        put: {
          operationId: 'setPassword',
          summary: "Set a user's password",
          security: write,
          requestBody: body('Password'),
          responses: {
            200: json('User', 'The user.', etag),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/password-reset': {
        parameters: [userId],
        post: {
          operationId: 'sendPasswordReset',
          summary: 'Mail the user a single-use password-reset link (SSO_RESET_LINK_TTL)',
          description:
            'Sent at once, to the address the user has. `400` for a disabled user or one without ' +
            'an email address, `403` when mail is not set up here (SSO_SMTP_URL), `503` when the ' +
            'mail server did not take the message (no link was made then).',
          security: write,
          responses: {
            200: json('ResetSent', 'The link was handed to the mail server.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/unlock': {
        parameters: [userId],
        post: {
          operationId: 'unlockUser',
          summary: 'Lift the sign-in pauses of a user (and the block of an address)',
          security: write,
          requestBody: { ...body('Unlock'), required: false },
          responses: {
            200: json('Unlocked', 'What was lifted.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/sessions': {
        parameters: [userId],
        get: {
          operationId: 'listSessions',
          summary: "A user's sessions at SSO",
          responses: {
            200: json('Sessions', 'The sessions, newest first.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
        delete: {
          operationId: 'signOutEverywhere',
          summary: 'Sign out everywhere: every session, grant and token ends; apps are told',
          security: write,
          responses: {
            200: json('SignOut', 'What ended and who was told.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/sessions/{uid}': {
        parameters: [userId, parameter('uid', 'The session uid.')],
        delete: {
          operationId: 'endSession',
          summary: 'End one session, as a sign-out does',
          security: write,
          responses: {
            200: json('SignOut', 'What ended and who was told.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/second-factors': {
        parameters: [userId],
        delete: {
          operationId: 'resetSecondFactors',
          summary: "Remove a user's authenticator app, recovery codes and passkeys (a lost device)",
          security: write,
          responses: {
            200: json('User', 'The user without second factors.', etag),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/grants': {
        parameters: [userId],
        get: {
          operationId: 'listGrants',
          summary: 'What a user allowed applications',
          responses: {
            200: json('Grants', 'The grants.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/users/{id}/grants/{grantId}': {
        parameters: [userId, parameter('grantId', 'The grant id.')],
        delete: {
          operationId: 'revokeGrant',
          summary: 'Revoke a grant with every token issued under it',
          security: write,
          responses: {
            204: { description: 'Revoked.' },
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/clients': {
        get: {
          operationId: 'listClients',
          summary: 'Clients by id',
          parameters: [query('search', 'Part of the client id or name (any case).'), ...paging],
          responses: { 200: json('ClientPage', 'One page of clients.'), ...errors },
        },
        post: {
          operationId: 'createClient',
          summary: 'Register a client (a confidential one gets its secret, shown once)',
          security: write,
          requestBody: body('NewClient'),
          responses: {
            201: json('ClientWithSecret', 'The new client.', etag),
            ...errors,
            409: { $ref: '#/components/responses/Conflict' },
          },
        },
      },
      '/clients/{clientId}': {
        parameters: [clientId],
        get: {
          operationId: 'getClient',
          summary: 'One client (never its secret)',
          responses: {
            200: json('Client', 'The client.', etag),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
        patch: {
          operationId: 'updateClient',
          summary: 'Change, disable or enable a client',
          security: write,
          parameters: [ifMatch],
          requestBody: body('ClientChanges'),
          responses: { 200: json('Client', 'The client as changed.', etag), ...errors, ...changed },
        },
        delete: {
          operationId: 'deleteClient',
          summary: 'Remove a client with its grants and tokens',
          security: write,
          responses: {
            204: { description: 'Removed.' },
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/clients/{clientId}/secret': {
        parameters: [clientId],
        post: {
          operationId: 'rotateClientSecret',
          summary: 'A new secret (shown once); the old one stops working at once',
          security: write,
          responses: {
            200: json('ClientWithSecret', 'The client with its new secret.', etag),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/apis': {
        get: {
          operationId: 'listApis',
          summary: 'APIs by audience',
          responses: { 200: json('Apis', 'Every API.'), ...errors },
        },
        post: {
          operationId: 'createApi',
          summary: 'Register an API',
          security: write,
          requestBody: body('NewApi'),
          responses: {
            201: json('Api', 'The new API.', etag),
            ...errors,
            409: { $ref: '#/components/responses/Conflict' },
          },
        },
      },
      '/apis/{audience}': {
        parameters: [audience],
        get: {
          operationId: 'getApi',
          summary: 'One API, with the clients that use it',
          responses: {
            200: json('Api', 'The API.', etag),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
        patch: {
          operationId: 'updateApi',
          summary: "Change an API's name, scopes, token lifetime, algorithm or format",
          security: write,
          parameters: [ifMatch],
          requestBody: body('ApiChanges'),
          responses: { 200: json('Api', 'The API as changed.', etag), ...errors, ...changed },
        },
        delete: {
          operationId: 'deleteApi',
          summary: 'Remove an API and take it off the clients that used it',
          security: write,
          responses: {
            200: json('Api', 'The API that was removed, with the clients that used it.'),
            ...errors,
            404: { $ref: '#/components/responses/NotFound' },
          },
        },
      },
      '/keys': {
        get: {
          operationId: 'listKeys',
          summary: 'Signing keys and their states (never key material)',
          responses: { 200: json('Keys', 'The signing keys.'), ...errors },
        },
      },
      '/keys/rotation': {
        post: {
          operationId: 'rotateKeys',
          summary: 'Publish new signing keys now; they sign after activateAfter seconds',
          security: write,
          requestBody: { ...body('NewRotation'), required: false },
          responses: { 201: json('Rotation', 'What the rotation did.'), ...errors },
        },
      },
      '/audit': {
        get: {
          operationId: 'listEvents',
          summary: 'Security events, newest first',
          parameters: [
            query('type', 'An event type, or its start up to a dot (`login`).'),
            query('user', 'A username or account id.'),
            query('client', 'A client id.'),
            query('ip', 'A client address.'),
            query('since', 'From this time (inclusive).', time),
            query('until', 'Before this time.', time),
            query('cursor', 'The `next` of the previous page.'),
            query('limit', `At most this many (1 to ${MAX_AUDIT_PAGE}, default 50).`, {
              type: 'integer',
              minimum: 1,
              maximum: MAX_AUDIT_PAGE,
            }),
          ],
          responses: { 200: json('EventPage', 'One page of events.'), ...errors },
        },
      },
    },
    components: {
      schemas,
      headers: {
        ETag: {
          description: 'The version of the record; send it back in If-Match to change it.',
          schema: { type: 'string' },
        },
      },
      responses: {
        BadInput: problem(
          'The input breaks the schema or a rule (`invalid_input`), or is too large.',
        ),
        Unauthorized: problem('No access token, or one SSO does not accept for the admin API.'),
        Forbidden: problem('The token lacks the scope, or its user is not an administrator.'),
        NotFound: problem('No such record.'),
        Conflict: problem('A unique value is taken, or others kept changing the record.'),
        PreconditionFailed: problem('The record is no longer at the version in If-Match.'),
        PreconditionRequired: problem('A change needs If-Match.'),
        Unavailable: problem(
          'The store (or, for a mail, the mail server) cannot be reached; try again later.',
        ),
        TooLarge: problem('The body is larger than 64 KiB.'),
        NotJson: problem('The body is not application/json.'),
      },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: `Access tokens for the audience ${issuer}/admin/api (resource indicator).`,
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}/token`,
              scopes: {
                [ADMIN_SCOPES.read]: 'Read users, clients, APIs, keys and the audit log.',
                [ADMIN_SCOPES.write]: 'Change them (and read).',
              },
            },
            authorizationCode: {
              authorizationUrl: `${issuer}/auth`,
              tokenUrl: `${issuer}/token`,
              scopes: {
                [ADMIN_SCOPES.read]: 'Read users, clients, APIs, keys and the audit log.',
                [ADMIN_SCOPES.write]: 'Change them (and read).',
              },
            },
          },
        },
      },
    },
  };
}

/** The component schemas, for the server's own validation of input. */
export const SCHEMAS: Readonly<Record<string, Schema>> = schemas;
