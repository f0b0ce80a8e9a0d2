/**
 * The client-side rate limit every request of the operator to the apiserver passes, as client-go's REST
 * client has it (`--kube-api-qps`, `--kube-api-burst`): a request waits for a token of a TokenBucket
 * before it is sent, and reports how long it waited and, once answered, its status code, for the
 * `rest_client_*` metrics. The seams that use it: the API clients (a wrapping HTTP library,
 * client.ts), the informers' lists (`getJson`) and watches (informer.ts).
 */
import type { Clock } from './clock.ts';
import { TokenBucket } from './token-bucket.ts';

/** What the gate reports, with client-go's label values: `verb`/`method` the HTTP method, `host` host:port. */
export interface RequestMetrics {
  /** A request waited `seconds` for its token (0 when one was there). */
  waited(verb: string, host: string, seconds: number): void;
  /** A request was answered with `code` (the HTTP status, or `<error>` when no answer came) after `seconds`. */
  completed(code: string, method: string, host: string, seconds: number): void;
}

/** Call when the request has its answer: the HTTP status, or undefined when it failed without one. */
export type FinishRequest = (status: number | undefined) => void;

export interface RequestGate {
  /** Waits for a token for a `method` request to `url`, then returns the function that records its answer. */
  begin(method: string, url: string): Promise<FinishRequest>;
}

export interface RequestGateOptions {
  /** Requests per second on average; 0: no client-side limit (the apiserver's priority and fairness still applies). */
  qps: number;
  /** Requests that may go at once after a quiet spell. */
  burst: number;
  clock: Clock;
  metrics?: RequestMetrics;
  /**
   * Told when a request waited longer than `LONG_WAIT_MS` for its token (client-go logs "Waited before
   * sending request" then), at most once per `LONG_WAIT_MS` so a throttled burst makes one line.
   */
  onLongWait?(waitedMs: number, method: string, url: string): void;
}

/** A wait for a token this long (ms) is worth a log line: the limit is holding the operator back. */
export const LONG_WAIT_MS = 1_000;

/** client-go's `host` label: host:port of the URL. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

export function createRequestGate(opts: RequestGateOptions): RequestGate {
  const { clock, metrics } = opts;
  const bucket = new TokenBucket(opts.qps, opts.burst, clock.now());
  let lastToldAt = -Infinity;
  return {
    async begin(method, url) {
      const host = hostOf(url);
      const verb = method.toUpperCase();
      const asked = clock.now();
      const waitMs = bucket.reserve(asked);
      if (waitMs > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, waitMs));
      const sent = clock.now();
      metrics?.waited(verb, host, (sent - asked) / 1000);
      if (sent - asked >= LONG_WAIT_MS && sent - lastToldAt >= LONG_WAIT_MS) {
        lastToldAt = sent;
        opts.onLongWait?.(sent - asked, verb, url);
      }
      let finished = false;
      return (status) => {
        if (finished) return;
        finished = true;
        metrics?.completed(status === undefined ? '<error>' : String(status), verb, host, (clock.now() - sent) / 1000);
      };
    },
  };
}

/** A gate that never waits and reports nothing: for clients made without one (tests, the kubectl plugin). */
export const OPEN_GATE: RequestGate = { begin: async () => () => undefined };
