/**
 * What each client address may still do: its open sockets, and the budgets
 * its sockets share (frames, bytes, and new connections). An address keeps
 * its budgets across reconnects, so closing a socket and opening another
 * gains nothing; it is forgotten once it has no socket left and every budget
 * has refilled, so the book holds only addresses that are active or were
 * lately, however many come and go. The address is the TCP peer, or the
 * X-Forwarded-For client when TRUST_PROXY is on.
 */
import type { Config } from '../config.js';
import { TokenBucket } from './token-bucket.js';

export type UpgradeRefusal = 'address' | 'over-budget' | 'upgrades';

type Limits = Pick<
  Config,
  | 'maxConnectionsPerIp'
  | 'rateLimitPerSecondPerIp'
  | 'rateLimitBurstPerIp'
  | 'rateLimitBytesPerSecondPerIp'
  | 'rateLimitBytesBurstPerIp'
  | 'upgradesPerMinutePerIp'
>;

/** The budgets one address's sockets draw on. */
export class ClientAddress {
  readonly frames: TokenBucket;
  readonly bytes: TokenBucket;
  readonly upgrades: TokenBucket;
  /** Open sockets from this address; counted by AddressBook alone. */
  sockets = 0;

  constructor(
    readonly ip: string,
    limits: Limits,
    now: () => number,
  ) {
    this.frames = new TokenBucket(limits.rateLimitPerSecondPerIp, limits.rateLimitBurstPerIp, now);
    this.bytes = new TokenBucket(limits.rateLimitBytesPerSecondPerIp, limits.rateLimitBytesBurstPerIp, now);
    this.upgrades = new TokenBucket(limits.upgradesPerMinutePerIp / 60, limits.upgradesPerMinutePerIp, now);
  }

  get idle(): boolean {
    return this.sockets === 0 && this.frames.full && this.bytes.full && this.upgrades.full;
  }
}

export class AddressBook {
  private readonly addresses = new Map<string, ClientAddress>();

  constructor(
    private readonly limits: Limits,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /**
   * Whether `address` may open another socket, cheapest check first; an
   * admitted upgrade is taken from the address's budget of upgrades.
   */
  admit(address: string): UpgradeRefusal | undefined {
    const entry = this.entry(address);
    if (entry.sockets >= this.limits.maxConnectionsPerIp) return 'address';
    if (entry.bytes.msUntilRepaid() > 0) return 'over-budget';
    if (!entry.upgrades.take()) return 'upgrades';
    return undefined;
  }

  /** Counts a socket opened from `address`; returns the budgets it shares with the address's other sockets. */
  open(address: string): ClientAddress {
    const entry = this.entry(address);
    entry.sockets += 1;
    return entry;
  }

  close(address: string): void {
    const entry = this.addresses.get(address);
    if (entry !== undefined) entry.sockets -= 1;
  }

  /** Forgets the addresses that have nothing left to remember. */
  sweep(): void {
    for (const [address, entry] of this.addresses) if (entry.idle) this.addresses.delete(address);
  }

  get size(): number {
    return this.addresses.size;
  }

  private entry(address: string): ClientAddress {
    let entry = this.addresses.get(address);
    if (entry === undefined) {
      entry = new ClientAddress(address, this.limits, this.now);
      this.addresses.set(address, entry);
    }
    return entry;
  }
}
