// An issuer the test controls, for tokens SSO would never sign (expired, wrong issuer, extra
// claims): discovery and a JWKS over real HTTP, with a key the test signs with.
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { listen } from './http.ts';

export interface FakeIssuer {
  issuer: string;
  kid: string;
  /** Signs `payload` as an RFC 9068 access token (header overrides allowed). */
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/** Starts an issuer on 127.0.0.1 publishing one ES256 key. */
export async function startFakeIssuer(): Promise<FakeIssuer> {
  const server = await listen();
  const issuer = server.origin;
  const kid = 'fake-key-1';
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  server.handle((req, res) => {
    const send = (body: unknown) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      return send({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        end_session_endpoint: `${issuer}/session/end`,
      });
    }
    if (req.url === '/jwks') return send({ keys: [jwk] });
    res.writeHead(404).end();
  });
  return {
    issuer,
    kid,
    sign: (payload, header = {}) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid, ...header })
        .sign(privateKey),
    close: () => server.close(),
  };
}
