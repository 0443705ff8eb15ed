// The one place the authorizer imports SSO's Node client package (@sso/client, from this
// repository's client-sdk/). If the package moves, only this line changes.
export {
  createVerifier,
  discoverIssuer,
  isSsoError,
  verifyAccessToken,
} from '../../client-sdk/node/src/index.ts';
export type { Verifier, VerifiedToken } from '../../client-sdk/node/src/index.ts';
