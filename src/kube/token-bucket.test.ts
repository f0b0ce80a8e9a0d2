import { describe, expect, it } from '@jest/globals';
import { TokenBucket } from './token-bucket.ts';

describe('token bucket', () => {
  it('lets a burst go at once, then spaces requests 1/qps apart, in the order they asked', () => {
    const bucket = new TokenBucket(20, 30, 0);
    const waits = Array.from({ length: 33 }, () => bucket.reserve(0));
    expect(waits.slice(0, 30)).toEqual(Array(30).fill(0));
    expect(waits.slice(30)).toEqual([50, 100, 150]);
  });

  it('refills at qps up to burst, never beyond', () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) bucket.reserve(0);
    expect(bucket.reserve(0)).toBe(100);
    // 1 s later: the reservation above is paid and 9 more tokens have come, but only 5 are kept.
    const later = Array.from({ length: 6 }, () => bucket.reserve(10_000));
    expect(later).toEqual([0, 0, 0, 0, 0, 100]);
  });

  it('sustains qps over time: 100 requests at 20 qps after a burst of 30 take 3.5 s', () => {
    const bucket = new TokenBucket(20, 30, 0);
    let last = 0;
    for (let i = 0; i < 100; i++) last = bucket.reserve(0);
    expect(last).toBe(3_500);
  });

  it('does not limit at all with qps 0, and takes a clock that steps back without refilling', () => {
    const off = new TokenBucket(0, 1, 0);
    expect(Array.from({ length: 1000 }, () => off.reserve(0)).every((w) => w === 0)).toBe(true);
    const bucket = new TokenBucket(1, 1, 5_000);
    expect(bucket.reserve(5_000)).toBe(0);
    expect(bucket.reserve(1_000)).toBe(1_000);
  });
});
