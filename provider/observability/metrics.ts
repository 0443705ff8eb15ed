// Prometheus metrics (prom-client), each instance its own registry: requests by route and status
// and their latency, tokens issued by grant type, sign-in outcomes and lockouts, store call latency
// and errors, and the age of the signing keys. Made only when metrics are served (SSO_METRICS_PORT
// or SSO_METRICS_TOKEN), so a server without them pays nothing. What a request adds is a counter
// increment and a histogram observation on label sets that prom-client keeps; nothing is computed
// per request that a scrape can compute instead.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: from a cache hit to a slow argon2 sign-in and a hung store. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What the server tells its metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** A finished HTTP request (route as in the access log). */
  request(this: void, route: string, method: string, status: number, seconds: number): void;
  /** A token endpoint success (oidc-provider's `grant.success`), by grant type. */
  tokenIssued(grantType: string): void;
  /** An audit event; sign-in outcomes and lockouts are counted from these. */
  audit(type: string, details: Record<string, string | number | boolean> | undefined): void;
  /** A store call that took `seconds`, and whether it failed. */
  storeCall(operation: string, seconds: number, failed: boolean): void;
  /** The signing keys that sign now, read at each scrape for their age. */
  watchSigningKeys(signers: () => { alg: string; activatesAt: number }[]): void;
  /** The exposition text of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** A fresh registry with SSO's metrics and Node's process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sso_' });
  const requests = new Counter({
    name: 'sso_http_requests_total',
    help: 'HTTP requests answered, by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'sso_http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being handed to Node, by route',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'sso_tokens_issued_total',
    help: 'Successful token endpoint requests, by grant type',
    labelNames: ['grant_type'] as const,
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'sso_sign_ins_total',
    help: 'Password sign-ins, by outcome (success, failure) and reason of a failure',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const lockouts = new Counter({
    name: 'sso_lockouts_total',
    help: 'Sign-in lockouts started, by scope (account at an address, or a whole address)',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: 'sso_store_call_duration_seconds',
    help: 'Store calls, by operation (group.method)',
    labelNames: ['operation'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'sso_store_call_errors_total',
    help: 'Store calls that failed, by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  let signers: () => { alg: string; activatesAt: number }[] = () => [];
  new Gauge({
    name: 'sso_signing_key_age_seconds',
    help: 'Seconds since the signing key of each algorithm began to sign (rotate before it grows old)',
    labelNames: ['alg'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const now = Date.now();
      for (const key of signers()) this.set({ alg: key.alg }, (now - key.activatesAt) / 1000);
    },
  });
  // Ensure the counters an operator alerts on exist from the start (rate() needs a first sample).
  for (const outcome of ['success', 'failure']) signIns.inc({ outcome, reason: '' }, 0);

  return {
    registry,
    request(route, method, status, seconds) {
      requests.inc({ route, method, status });
      latency.observe({ route }, seconds);
    },
    tokenIssued(grantType) {
      tokens.inc({ grant_type: grantType });
    },
    audit(type, details) {
      if (type === 'login.success') signIns.inc({ outcome: 'success', reason: '' });
      else if (type === 'login.failure') {
        signIns.inc({ outcome: 'failure', reason: String(details?.reason ?? '') });
      } else if (type === 'login.lockout') lockouts.inc({ scope: String(details?.scope ?? '') });
    },
    storeCall(operation, seconds, failed) {
      storeLatency.observe({ operation }, seconds);
      if (failed) storeErrors.inc({ operation });
    },
    watchSigningKeys(read) {
      signers = read;
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
