// Which of SSO's paths programs call (they always get JSON errors, whatever their Accept header
// says) and which people open in a browser (errors as a page when the browser asks for HTML).
import { BACKCHANNEL_PATHS } from '../security/endpoint-limits.ts';

// The engine's program endpoints besides the back-channel ones and the documents under
// /.well-known/: userinfo and JWKS.
const OTHER_ENGINE_PROGRAM_PATHS = ['/me', '/jwks'];

/**
 * Whether `path` (the full request path) is one of the engine's endpoints that programs call, under
 * the issuer's `basePath`: back-channel endpoints, userinfo, JWKS, discovery documents.
 */
export function isEngineProgramPath(path: string, basePath: string): boolean {
  if (!path.startsWith(basePath)) return false;
  const relative = path.slice(basePath.length);
  return (
    (BACKCHANNEL_PATHS as readonly string[]).includes(relative) ||
    OTHER_ENGINE_PROGRAM_PATHS.includes(relative) ||
    relative.startsWith('/.well-known/')
  );
}

/** Whether `path` (the full request path) is called by programs: the engine's, and health. */
export function isProgramPath(path: string, basePath: string): boolean {
  return isEngineProgramPath(path, basePath) || path === `${basePath}/healthz`;
}
