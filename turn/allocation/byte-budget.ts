/**
 * A byte-rate cap: a bucket of one second's worth of bytes, refilled
 * continuously. A packet the bucket cannot pay for is dropped (UDP semantics;
 * congestion control on the endpoints backs off).
 */
export class ByteBudget {
  private available: number;
  private last: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.available = bytesPerSecond;
    this.last = now();
  }

  /** `now` lets a caller that has just read the clock pass it on. */
  spend(bytes: number, now = this.now()): boolean {
    if (now > this.last) {
      this.available = Math.min(this.bytesPerSecond, this.available + ((now - this.last) * this.bytesPerSecond) / 1000);
      this.last = now;
    }
    if (bytes > this.available) return false;
    this.available -= bytes;
    return true;
  }
}
