// Which of SSO's paths programs call (they always get JSON errors, whatever their Accept header
// says) and which people open in a browser (errors as a page when the browser asks for HTML).
import { BACKCHANNEL_PATHS } from '../security/endpoint-limits.ts';

// Program paths besides the back-channel endpoints: userinfo, JWKS, discovery, health.
const OTHER_PROGRAM_PATHS = ['/me', '/jwks', '/healthz'];

/** Whether `path` (the full request path) is called by programs, under the issuer's `basePath`. */
export function isProgramPath(path: string, basePath: string): boolean {
  if (!path.startsWith(basePath)) return false;
  const relative = path.slice(basePath.length);
  return (
    (BACKCHANNEL_PATHS as readonly string[]).includes(relative) ||
    OTHER_PROGRAM_PATHS.includes(relative) ||
    relative.startsWith('/.well-known/')
  );
}
