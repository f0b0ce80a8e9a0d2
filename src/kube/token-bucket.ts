/**
 * A token bucket as client-go's client-side rate limiter has it (flowcontrol's token bucket over
 * golang.org/x/time/rate): it refills at `qps` tokens per second up to `burst`, and each request takes
 * one. A request that finds none reserves the next one anyway and is told how long to wait, so tokens
 * can go negative and waiting requests are served in the order they asked, never starved. Pure: the
 * time is passed in.
 */
export class TokenBucket {
  /** Tokens per second; 0 or less: no limit (every request goes at once). */
  readonly qps: number;
  /** The most tokens the bucket holds: requests that may go at once after a quiet spell. */
  readonly burst: number;
  private tokens: number;
  private last: number;

  /** A full bucket at `nowMs`. */
  constructor(qps: number, burst: number, nowMs: number) {
    this.qps = qps;
    this.burst = Math.max(1, Math.floor(burst));
    this.tokens = this.burst;
    this.last = nowMs;
  }

  /** Takes one token at `nowMs`; returns how long to wait before using it, in milliseconds (0: go now). */
  reserve(nowMs: number): number {
    if (!(this.qps > 0)) return 0;
    // A clock that steps back refills nothing (and never drains).
    const elapsed = Math.max(0, nowMs - this.last);
    this.last = Math.max(this.last, nowMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000) - 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }
}
