/**
 * A token bucket: `burst` tokens, refilled at `ratePerSecond`. Frames are
 * taken one at a time and refused when none is left; bytes are charged after
 * they were read (a socket cannot un-read them), so a byte bucket may go into
 * debt, and the reader waits until it is repaid. The clock is injectable so
 * tests need no sleeping.
 */
/** One clock for every bucket, rather than a bound function each. */
const monotonic = performance.now.bind(performance);

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = monotonic,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Spends `amount` tokens whether or not they are there. */
  charge(amount: number): void {
    this.refill();
    this.tokens -= amount;
  }

  /** Milliseconds until the bucket is out of debt (0 when it is not in debt). */
  msUntilRepaid(): number {
    this.refill();
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerSecond);
  }

  /** True once the bucket has refilled completely: nothing about its owner needs remembering. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  private refill(): void {
    const now = this.now();
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
      this.last = now;
    }
  }
}
