// WebAuthn ceremonies (passkeys and security keys) through @simplewebauthn/server: options for the
// browser, and verification of what it sends back against the issuer's origin and RP ID. Which
// challenge is expected, and whose credentials, is for the caller (second-factors.ts).
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Passkey } from '../../adapters/store.ts';

// Loaded at the first ceremony: with its certificate and CBOR parsers it is about 8 MiB of memory
// that a server whose people never use passkeys does not need.
const webauthn = () => import('@simplewebauthn/server');

/** The relying party: the issuer's host (RP ID) and origin, and a name browsers show. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** The relying party of `issuer`. */
export function relyingParty(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name };
}

/** Options to create a credential for an account, excluding the ones it already has. */
export async function registrationOptions(
  rp: RelyingParty,
  account: { id: string; username: string; name?: string | undefined; passkeys?: Passkey[] },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await webauthn();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.username,
    userDisplayName: account.name ?? account.username,
    userID: new TextEncoder().encode(account.id),
    attestationType: 'none',
    excludeCredentials: (account.passkeys ?? []).map((key) => ({
      id: key.id,
      ...(key.transports ? { transports: key.transports } : {}),
    })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    extensions: { credProps: true },
  });
}

/** The passkey `response` creates, or undefined when it does not verify. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
  name: string,
  now: number,
): Promise<Passkey | undefined> {
  const { verifyRegistrationResponse } = await webauthn();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch {
    return undefined;
  }
  if (!verified.verified) return undefined;
  const { credential } = verified.registrationInfo;
  const passkey: Passkey = {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    name,
    discoverable: response.clientExtensionResults.credProps?.rk === true,
    createdAt: now,
  };
  if (credential.transports?.length) passkey.transports = credential.transports;
  return passkey;
}

/** Options to sign in with one of `passkeys`, or with any discoverable credential when none. */
export async function authenticationOptions(
  rp: RelyingParty,
  passkeys: Passkey[] | undefined,
  userVerification: 'required' | 'preferred',
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await webauthn();
  return generateAuthenticationOptions({
    rpID: rp.id,
    userVerification,
    ...(passkeys
      ? {
          allowCredentials: passkeys.map((key) => ({
            id: key.id,
            ...(key.transports ? { transports: key.transports } : {}),
          })),
        }
      : {}),
  });
}

/**
 * Checks that `response` is signed by `passkey` over `challenge` (and, with `userVerification`,
 * that the person was verified by the authenticator); answers the new signature counter, or
 * undefined when it does not verify.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  passkey: Passkey,
  userVerification: boolean,
): Promise<number | undefined> {
  const { verifyAuthenticationResponse } = await webauthn();
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: userVerification,
      credential: {
        id: passkey.id,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: passkey.counter,
        ...(passkey.transports ? { transports: passkey.transports } : {}),
      },
    });
    return verified.verified ? verified.authenticationInfo.newCounter : undefined;
  } catch {
    return undefined;
  }
}
