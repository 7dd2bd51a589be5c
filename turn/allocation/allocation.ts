/**
 * One allocation (RFC 8656 §2.2): a relay UDP socket held for one client
 * 5-tuple, its permissions (peer IPs, 300 s) and channel bindings (peer
 * transport address ↔ channel number, 600 s), and a bandwidth budget each
 * way. Data from a peer without a permission is dropped; so is anything the
 * peer policy forbids or the budget cannot pay for.
 *
 * Permissions and channels are capped per allocation and in total (shared
 * pools): a client asking for more gets 508, and everything it held goes
 * back to the pools when it expires or the allocation closes.
 */
import type { Socket } from 'node:dgram';
import { Method } from '../codec/constants.js';
import { buildPeerIndication } from '../codec/peer-indication.js';
import { encodeChannelData } from '../codec/channel-data.js';
import type { TransportAddress } from '../codec/address.js';
import type { ClientLink } from '../transport.js';
import { ByteBudget } from './byte-budget.js';
import type { Pool } from './counters.js';

export const PERMISSION_LIFETIME_MS = 300_000;
export const CHANNEL_LIFETIME_MS = 600_000;

export type DropReason = 'no-permission' | 'bandwidth' | 'forbidden' | 'send-failed';

export interface RelayHooks {
  /** Sends to a peer, or hands the packet to another allocation of this relay; false if it went nowhere. */
  toPeer(from: Allocation, peer: TransportAddress, data: Buffer): boolean;
  relayed(direction: 'to-peer' | 'to-client', bytes: number): void;
  dropped(reason: DropReason): void;
}

export interface AllocationLimits {
  /** Relayed bytes per second, each direction. */
  bytesPerSecond: number;
  permissions: { perAllocation: number; pool: Pool };
  channels: { perAllocation: number; pool: Pool };
}

export interface AllocationInit {
  client: ClientLink;
  /** The REST username it was made with, and its user part (the quota identity). */
  username: string;
  user: string;
  /** The long-term key requests on this allocation must be signed with. */
  key: Buffer;
  socket: Socket;
  /** What clients and peers are told: the external address and the relay port. */
  relayed: TransportAddress;
  limits: AllocationLimits;
  hooks: RelayHooks;
  now?: () => number;
}

export type BindResult = 'bound' | 'conflict' | 'full';

interface Channel {
  peer: TransportAddress;
  /** peerKey(peer), kept to find it in channelByPeer again. */
  key: string;
  expiresAt: number;
}

export class Allocation {
  readonly client: ClientLink;
  readonly username: string;
  readonly user: string;
  readonly key: Buffer;
  readonly socket: Socket;
  readonly relayed: TransportAddress;
  expiresAt = 0;
  /** The Allocate transaction and its answer, to answer a retransmission the same way. */
  lastAllocate: { transactionId: string; response: Buffer } | undefined;
  private readonly permissions = new Map<string, number>();
  private readonly channels = new Map<number, Channel>();
  private readonly channelByPeer = new Map<string, number>();
  private readonly toPeerBudget: ByteBudget;
  private readonly toClientBudget: ByteBudget;
  private readonly limits: AllocationLimits;
  private readonly hooks: RelayHooks;
  private readonly now: () => number;
  private closed = false;

  constructor(init: AllocationInit) {
    ({
      client: this.client,
      username: this.username,
      user: this.user,
      key: this.key,
      socket: this.socket,
      relayed: this.relayed,
    } = init);
    this.limits = init.limits;
    this.hooks = init.hooks;
    this.now = init.now ?? Date.now;
    this.toPeerBudget = new ByteBudget(init.limits.bytesPerSecond, this.now);
    this.toClientBudget = new ByteBudget(init.limits.bytesPerSecond, this.now);
    this.socket.on('message', (data, remote) => this.fromPeer(remote.address, remote.port, data));
  }

  refresh(lifetimeSeconds: number): void {
    this.expiresAt = this.now() + lifetimeSeconds * 1000;
  }

  hasPermission(address: string, now = this.now()): boolean {
    const expires = this.permissions.get(address);
    return expires !== undefined && expires > now;
  }

  /**
   * Installs or refreshes a permission for every address, or for none of
   * them (RFC 8656 §9.2: a CreatePermission succeeds or fails as a whole):
   * false when the per-allocation cap or the relay's pool has no room.
   */
  permit(addresses: readonly string[]): boolean {
    const now = this.now();
    const fresh = () => new Set(addresses.filter((address) => !this.permissions.has(address))).size;
    if (!this.makeRoom(this.permissions, fresh, this.limits.permissions, now)) return false;
    for (const address of addresses) this.permissions.set(address, now + PERMISSION_LIFETIME_MS);
    return true;
  }

  /** Binds or refreshes a channel, and the permission for its peer (RFC 8656 §11.2). */
  bind(channel: number, peer: TransportAddress): BindResult {
    const now = this.now();
    const key = peerKey(peer.address, peer.port);
    // An expired binding no longer holds its number or its peer (nor a unit of the pool).
    if ((this.channels.get(channel)?.expiresAt ?? Infinity) <= now) this.sweep(now);
    const existing = this.channels.get(channel);
    const peerChannel = this.channelByPeer.get(key);
    if ((existing !== undefined && existing.key !== key) || (peerChannel !== undefined && peerChannel !== channel)) {
      return 'conflict';
    }
    if (existing === undefined && !this.makeRoom(this.channels, () => 1, this.limits.channels, now)) return 'full';
    if (!this.permit([peer.address])) {
      if (existing === undefined) this.limits.channels.pool.give();
      return 'full';
    }
    this.channels.set(channel, { peer, key, expiresAt: now + CHANNEL_LIFETIME_MS });
    this.channelByPeer.set(key, channel);
    return 'bound';
  }

  /** A Send indication from the client. */
  toPeer(peer: TransportAddress, data: Buffer): void {
    this.relayToPeer(peer, data, this.now());
  }

  /** ChannelData from the client. */
  channelToPeer(channel: number, data: Buffer): void {
    const now = this.now();
    const bound = this.channels.get(channel);
    if (bound === undefined || bound.expiresAt <= now) return this.hooks.dropped('no-permission');
    this.relayToPeer(bound.peer, data, now);
  }

  /**
   * A datagram from a peer: to the client over its channel if bound, in a
   * Data indication if not. Called for every relayed datagram, so it reads
   * the clock once and builds no address object on the channel path.
   */
  fromPeer(address: string, port: number, data: Buffer): void {
    if (this.closed) return;
    const now = this.now();
    if (!this.hasPermission(address, now)) return this.hooks.dropped('no-permission');
    if (!this.toClientBudget.spend(data.length, now)) return this.hooks.dropped('bandwidth');
    const channel = this.channelByPeer.get(peerKey(address, port));
    const bound = channel === undefined ? undefined : this.channels.get(channel);
    if (channel !== undefined && bound !== undefined && bound.expiresAt > now) {
      this.client.send(encodeChannelData(channel, data, this.client.transport !== 'udp'));
    } else {
      const peer: TransportAddress = { family: address.includes(':') ? 6 : 4, address, port };
      this.client.send(buildPeerIndication(Method.Data, peer, data, false));
    }
    this.hooks.relayed('to-client', data.length);
  }

  private relayToPeer(peer: TransportAddress, data: Buffer, now: number): void {
    if (!this.hasPermission(peer.address, now)) return this.hooks.dropped('no-permission');
    if (!this.toPeerBudget.spend(data.length, now)) return this.hooks.dropped('bandwidth');
    if (this.hooks.toPeer(this, peer, data)) this.hooks.relayed('to-peer', data.length);
  }

  /** Forgets expired permissions and channels, giving their units back to the pools. */
  sweep(now = this.now()): void {
    let permissions = 0;
    for (const [address, expires] of this.permissions) {
      if (expires <= now) {
        this.permissions.delete(address);
        permissions += 1;
      }
    }
    let channels = 0;
    for (const [number, channel] of this.channels) {
      if (channel.expiresAt <= now) {
        this.channels.delete(number);
        this.channelByPeer.delete(channel.key);
        channels += 1;
      }
    }
    this.limits.permissions.pool.give(permissions);
    this.limits.channels.pool.give(channels);
  }

  get expired(): boolean {
    return this.expiresAt <= this.now();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.limits.permissions.pool.give(this.permissions.size);
    this.limits.channels.pool.give(this.channels.size);
    this.permissions.clear();
    this.channels.clear();
    this.channelByPeer.clear();
    this.socket.close();
  }

  /**
   * Takes units for `count()` new entries of `held` from its pool, within the
   * per-allocation cap; sweeps expired entries once before refusing (and
   * counts again, since an expired entry swept becomes a new one).
   */
  private makeRoom(
    held: Map<unknown, unknown>,
    count: () => number,
    limit: { perAllocation: number; pool: Pool },
    now: number,
  ): boolean {
    let needed = count();
    if (needed === 0) return true;
    if (held.size + needed > limit.perAllocation || limit.pool.size + needed > limit.pool.capacity) {
      this.sweep(now);
      needed = count();
      if (held.size + needed > limit.perAllocation) return false;
    }
    return limit.pool.take(needed);
  }
}

function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}
