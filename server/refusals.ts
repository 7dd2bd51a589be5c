/**
 * Which client addresses were refused something recently, so that a flood of
 * refusals cannot become a flood of log lines: the first refusal of an
 * address is logged, then at most one line per interval, which says how many
 * refusals it stands for; and while an address is being refused, its request
 * lines are not logged at all (app.ts). Every refusal of a client address
 * goes through logRefusal(); the counts per reason are in /metrics.
 */
import type { FastifyBaseLogger } from 'fastify';
interface Recent {
  /** When the last line about this address was due. */
  loggedAt: number;
  lastRefusedAt: number;
  /** Refusals since that line, itself included. */
  count: number;
}

export class Refusals {
  private readonly recent = new Map<string, Recent>();
  private sweptAt: number;

  constructor(
    private readonly intervalMs = 60_000,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.sweptAt = now();
  }

  /**
   * Records a refusal of `address`; returns how many refusals a line logged now would stand for, or 0 if none is due.
   */
  note(address: string): number {
    const now = this.now();
    this.sweep(now);
    const entry = this.recent.get(address);
    if (entry === undefined || now - entry.lastRefusedAt >= this.intervalMs) {
      this.recent.set(address, { loggedAt: now, lastRefusedAt: now, count: 0 });
      return 1;
    }
    entry.lastRefusedAt = now;
    entry.count += 1;
    if (now - entry.loggedAt < this.intervalMs) return 0;
    const count = entry.count;
    entry.loggedAt = now;
    entry.count = 0;
    return count;
  }

  /** True when `address` was refused within the last interval. */
  isRecent(address: string): boolean {
    const entry = this.recent.get(address);
    return entry !== undefined && this.now() - entry.lastRefusedAt < this.intervalMs;
  }

  /** Forgets addresses not refused for an interval, at most once per interval. */
  private sweep(now: number): void {
    if (now - this.sweptAt < this.intervalMs) return;
    this.sweptAt = now;
    for (const [address, entry] of this.recent) {
      if (now - entry.lastRefusedAt >= this.intervalMs) this.recent.delete(address);
    }
  }
}

/** Notes that `ip` was refused for `reason`, and logs it when a line is due. */
export function logRefusal(refusals: Refusals, log: FastifyBaseLogger, ip: string, reason: string): void {
  const refused = refusals.note(ip);
  if (refused > 0) log.warn({ ip, reason, refused }, 'refusing a client address');
}
