/**
 * Who a host kicked out of which room, lately: a kicked user (its token's
 * `sub`, see Grant.user) may not join that room again for KICK_BAN_MS.
 * Entries expire on their own; at most MAX_BANS are remembered, and beyond
 * that the oldest is forgotten early, so a host kicking in a loop cannot grow
 * the server's memory. Bans live in this process only: a restart forgets them.
 */

/** How long a kicked user may not rejoin the room it was kicked from. */
export const KICK_BAN_MS = 60_000;

/** The most bans remembered at once. */
export const MAX_BANS = 10_000;

/** What the join and kick handlers use; the Redis one (server/cluster/) is shared by every node. */
export interface BanList {
  ban(room: string, user: string): void;
  /** Seconds until `user` may join `room` again; 0 when it is not banned. */
  secondsLeft(room: string, user: string): number | Promise<number>;
}

export class Bans implements BanList {
  /** Expiry time (ms) by `room\0user`; every ban lasts as long, so insertion order is expiry order. */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly durationMs = KICK_BAN_MS,
    private readonly max = MAX_BANS,
  ) {}

  ban(room: string, user: string): void {
    this.expire();
    const key = banKey(room, user);
    // Re-inserted, so that it moves to the end: the order stays the order of expiry.
    this.until.delete(key);
    this.until.set(key, this.now() + this.durationMs);
    for (const oldest of this.until.keys()) {
      if (this.until.size <= this.max) break;
      this.until.delete(oldest);
    }
  }

  /** Whether `user` is banned from `room` now. */
  has(room: string, user: string): boolean {
    this.expire();
    return this.until.has(banKey(room, user));
  }

  /** Seconds until `user`'s ban from `room` ends (0 when there is none), for the message people read. */
  secondsLeft(room: string, user: string): number {
    const until = this.until.get(banKey(room, user));
    return until === undefined ? 0 : Math.max(0, Math.ceil((until - this.now()) / 1000));
  }

  get size(): number {
    return this.until.size;
  }

  private expire(): void {
    const now = this.now();
    for (const [key, until] of this.until) {
      if (until > now) break;
      this.until.delete(key);
    }
  }
}

const banKey = (room: string, user: string) => `${room}\0${user}`;
