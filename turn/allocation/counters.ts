/**
 * The two counters behind the relay's quotas. Both are exact at every
 * moment: whatever takes a unit gives it back when the thing it stands for
 * ends, so a quota never drifts and a sweep never has to recount.
 */

/** A count with a ceiling, shared by every allocation: permissions or channel bindings in total. */
export class Pool {
  private used = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.used;
  }

  /** Takes `count` units, or none when that would pass the ceiling. */
  take(count = 1): boolean {
    if (this.used + count > this.capacity) return false;
    this.used += count;
    return true;
  }

  give(count = 1): void {
    this.used -= count;
  }
}

/** Counts per key (a user, a client address) under one limit each; a key at zero takes no memory. */
export class Tally {
  private readonly counts = new Map<string, number>();

  constructor(readonly limit: number) {}

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  hasRoom(key: string): boolean {
    return this.count(key) < this.limit;
  }

  add(key: string): void {
    this.counts.set(key, this.count(key) + 1);
  }

  remove(key: string): void {
    const left = this.count(key) - 1;
    if (left <= 0) this.counts.delete(key);
    else this.counts.set(key, left);
  }

  /** Keys with a non-zero count. */
  get keys(): number {
    return this.counts.size;
  }
}
