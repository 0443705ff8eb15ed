// What every benchmark target serves, the same on each: one API (ES256 JWT access tokens), a client
// allowed it, a client without it (opaque client-credentials tokens), and the names both use.
/** The API's audience. */
export const BENCH_API = 'https://api.bench.test';

/** The scope of the API. */
export const BENCH_SCOPE = 'read';

/** What a target prints (one JSON line on stdout) once it listens. */
export interface TargetReady {
  ready: true;
  /** Where it listens. */
  url: string;
  /** Client credentials for an API (JWT access tokens). */
  jwtClient: { id: string; secret: string };
  /** Client credentials without an API (opaque tokens). */
  opaqueClient: { id: string; secret: string };
  /** A web app and a person, for the sign-in flow (SSO targets only). */
  signIn?: {
    clientId: string;
    secret: string;
    redirectUri: string;
    login: string;
    password: string;
  };
}

/** Prints `ready` for the harness. */
export function announce(ready: TargetReady): void {
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}
