import {
  ACR_VALUES,
  JWT_TYPES,
  SCOPE_CLAIMS,
  SCOPES,
  SIGNING_ALGORITHMS,
  TOKEN_TYPES,
} from '@sso/client';

// The names SSO and this package share: scopes, claims, sign-in levels, algorithms, token types.
export const scope = SCOPES.join(' '); // 'openid offline_access profile email phone address groups'
export const emailClaims = SCOPE_CLAIMS.email; // ['email', 'email_verified']
export const accessTokens = [SIGNING_ALGORITHMS[0], JWT_TYPES.accessToken]; // ['ES256', 'at+jwt']
export const boundScheme = TOKEN_TYPES.dpop; // 'DPoP'
export const passwordSignIn = ACR_VALUES.password; // 'urn:sso:loa:1fa', the acr of a password sign-in
