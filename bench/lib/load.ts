// autocannon ships no types; only the few fields used here are described.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: object) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  '2xx': number;
}

export interface LoadResult {
  rps: number;
  /** How long the load ran. */
  seconds: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  seconds: number;
  connections?: number;
  method?: string;
  headers?: Record<string, string>;
  /** Builds each request: path and body (unique addresses, tokens). */
  next: () => { path: string; body?: string };
}

/** autocannon with 50 connections (default): requests per second and latency percentiles. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections ?? 50,
    duration: options.seconds,
    method: options.method ?? 'POST',
    headers: options.headers ?? {},
    requests: [
      {
        setupRequest: (req: Record<string, unknown>) => {
          const { path, body } = options.next();
          return { ...req, path, body };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}
