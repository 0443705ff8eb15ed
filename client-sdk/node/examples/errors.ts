import { ERROR_CODES, SsoError, type SsoErrorCode } from '@sso/client';

// Every error is an SsoError with a stable code; ERROR_CODES lists them all.
export function explain(error: unknown): string {
  if (!(error instanceof SsoError)) return 'not from @sso/client';
  const code: SsoErrorCode = error.code;
  return `${code} (HTTP ${ERROR_CODES[code].status}): ${error.message}`;
}
