// TOTP (RFC 6238) as authenticator apps know it: SHA-1, 6 digits, 30-second steps, through otpauth.
// A code is accepted one step early or late (clock drift), and never for a step at or before the
// last one accepted, so a code cannot be used twice.
import { Secret, TOTP } from 'otpauth';

/** The parameters every common authenticator app supports. */
export const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;

/** Steps of drift accepted each way. */
export const TOTP_DRIFT_STEPS = 1;

/** A new random shared secret (160 bits), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans (label `issuer:account`). */
export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({
    ...TOTP_PARAMETERS,
    issuer,
    label: account,
    secret: Secret.fromBase32(secret),
  }).toString();
}

/**
 * The enrollment page's picture of `uri`: a QR code as a data: URL. qrcode is loaded at the first
 * enrollment, not at start-up.
 */
export async function totpQrCode(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toDataURL(uri, { margin: 1, width: 220 });
}

/**
 * The time step `code` belongs to at `now` (epoch ms), within the drift window, or undefined when
 * it is not a current code of `secret`.
 */
export function totpStep(secret: string, code: string, now: number): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const totp = new TOTP({ ...TOTP_PARAMETERS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token, timestamp: now, window: TOTP_DRIFT_STEPS });
  if (delta === null) return undefined;
  return totp.counter({ timestamp: now }) + delta;
}
