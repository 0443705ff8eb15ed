// The load generator of `npm run bench`: keep-alive connections over undici, a closed loop (each
// connection sends its next request when the answer to the last one is in: the peak) and an open
// loop (requests at a fixed rate whatever the server does, latency counted from when each request
// was due, so a stalled server cannot hide its queue).
import { Pool } from 'undici';

/** One request of a scenario; `check` says whether its answer is the right one. */
export interface Call {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What a measurement found. */
export interface Measured {
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The first wrong answer, for the report. */
  firstError?: string;
}

/** A scenario step that is more than one request (a sign-in): resolves when it is done. */
export type Flow = () => Promise<void>;

const quantile = (sorted: number[], q: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function summarize(latencies: number[], errors: number, seconds: number, firstError?: string) {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    perSecond: latencies.length / seconds,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    ...(firstError ? { firstError } : {}),
  };
}

/** The peak of `flow` (one request or several): `loops` at once, each starting again when done. */
export async function closedLoop(flow: Flow, seconds: number, loops: number): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        await flow();
        latencies.push(performance.now() - sent);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return summarize(latencies, errors, (performance.now() - started) / 1000, firstError);
}

/** Connections to one target, opened once and kept alive across measurements. */
export class Connections {
  readonly #pool: Pool;

  readonly count: number;

  constructor(origin: string, count: number) {
    this.count = count;
    this.#pool = new Pool(origin, { connections: count, pipelining: 1 });
  }

  /** One request; resolves with the status and body, or throws on a transport error. */
  async send(call: Call): Promise<{ status: number; body: string }> {
    const response = await this.#pool.request({
      method: call.method,
      path: call.path,
      headers: call.headers,
      body: call.body,
    });
    return { status: response.statusCode, body: await response.body.text() };
  }

  /** The peak: `count` loops, each sending `call` again as soon as it is answered. */
  async closed(call: Call, seconds: number): Promise<Measured> {
    return closedLoop(
      async () => {
        const { status, body } = await this.send(call);
        if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
      },
      seconds,
      this.count,
    );
  }

  /** `rate` requests a second for `seconds`, whatever the answers' pace (an open loop). */
  async open(call: Call, rate: number, seconds: number): Promise<Measured> {
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    let errors = 0;
    let firstError: string | undefined;
    const total = Math.max(1, Math.round(rate * seconds));
    const started = performance.now();
    let next = 0;
    while (next < total) {
      const now = performance.now();
      // Every request that is due by now goes out; its latency counts from when it was due.
      while (next < total && started + (next * 1000) / rate <= now) {
        const due = started + (next * 1000) / rate;
        next++;
        pending.push(
          this.send(call).then(
            ({ status, body }) => {
              if (status === 200) latencies.push(performance.now() - due);
              else {
                errors++;
                firstError ??= `HTTP ${status}: ${body.slice(0, 200)}`;
              }
            },
            (error: unknown) => {
              errors++;
              firstError ??= error instanceof Error ? error.message : String(error);
            },
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    return summarize(latencies, errors, (performance.now() - started) / 1000, firstError);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
