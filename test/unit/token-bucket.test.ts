import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../server/signaling/token-bucket.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('token bucket', () => {
  it('allows a burst, then refuses', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 3, time.now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });

  it('refills at the configured rate', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 3, time.now);
    for (let i = 0; i < 3; i++) bucket.take();
    time.advance(99);
    expect(bucket.take()).toBe(false);
    time.advance(2);
    expect(bucket.take()).toBe(true);
    expect(bucket.take()).toBe(false);
  });

  it('never holds more than the burst, however long it rests', () => {
    const time = clock();
    const bucket = new TokenBucket(10, 2, time.now);
    time.advance(60_000);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
    expect(bucket.full).toBe(false);
    time.advance(200);
    expect(bucket.full).toBe(true);
  });

  it('goes into debt when charged more than it holds, and says how long repaying takes', () => {
    const time = clock();
    const bytes = new TokenBucket(1000, 500, time.now);
    bytes.charge(400);
    expect(bytes.msUntilRepaid()).toBe(0);
    bytes.charge(600);
    expect(bytes.msUntilRepaid()).toBe(500);
    time.advance(499);
    expect(bytes.msUntilRepaid()).toBe(1);
    time.advance(1);
    expect(bytes.msUntilRepaid()).toBe(0);
  });
});
