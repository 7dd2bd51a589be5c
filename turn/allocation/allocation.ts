/**
 * One allocation (RFC 8656 §2.2): a relay UDP socket held for one client
 * 5-tuple, its permissions (peer IPs, 300 s) and channel bindings (peer
 * transport address ↔ channel number, 600 s), and a bandwidth budget each
 * way. Data from a peer without a permission is dropped; so is anything the
 * peer policy forbids or the budget cannot pay for.
 */
import type { Socket } from 'node:dgram';
import { Attr, MessageClass, Method } from '../codec/constants.js';
import { MessageBuilder, randomTransactionId } from '../codec/message.js';
import { encodeChannelData } from '../codec/channel-data.js';
import type { TransportAddress } from '../codec/address.js';
import type { ClientLink } from '../transport.js';
import { ByteBudget } from './byte-budget.js';

export const PERMISSION_LIFETIME_MS = 300_000;
export const CHANNEL_LIFETIME_MS = 600_000;

export interface RelayHooks {
  /** Sends to a peer, or hands the packet to another allocation of this relay. */
  toPeer(from: Allocation, peer: TransportAddress, data: Buffer): void;
  relayed(direction: 'to-peer' | 'to-client', bytes: number): void;
  dropped(reason: 'no-permission' | 'bandwidth' | 'forbidden'): void;
}

interface Channel {
  peer: TransportAddress;
  /** peerKey(peer), kept to find it in channelByPeer again. */
  key: string;
  expiresAt: number;
}

export class Allocation {
  expiresAt = 0;
  /** The Allocate transaction and its answer, to answer a retransmission the same way. */
  lastAllocate: { transactionId: string; response: Buffer } | undefined;
  private readonly permissions = new Map<string, number>();
  private readonly channels = new Map<number, Channel>();
  private readonly channelByPeer = new Map<string, number>();
  private readonly toPeerBudget: ByteBudget;
  private readonly toClientBudget: ByteBudget;
  private closed = false;

  constructor(
    readonly client: ClientLink,
    readonly username: string,
    readonly user: string,
    /** The long-term key requests on this allocation must be signed with. */
    readonly key: Buffer,
    readonly socket: Socket,
    /** What clients and peers are told: the external address and the relay port. */
    readonly relayed: TransportAddress,
    bytesPerSecond: number,
    private readonly hooks: RelayHooks,
    private readonly now: () => number = Date.now,
  ) {
    this.toPeerBudget = new ByteBudget(bytesPerSecond, now);
    this.toClientBudget = new ByteBudget(bytesPerSecond, now);
    socket.on('message', (data, remote) => this.fromPeer(remote.address, remote.port, data));
  }

  refresh(lifetimeSeconds: number): void {
    this.expiresAt = this.now() + lifetimeSeconds * 1000;
  }

  hasPermission(address: string, now = this.now()): boolean {
    const expires = this.permissions.get(address);
    return expires !== undefined && expires > now;
  }

  permit(address: string): void {
    this.permissions.set(address, this.now() + PERMISSION_LIFETIME_MS);
  }

  /** Binds or refreshes a channel; false when the number or the peer is bound to something else. */
  bind(channel: number, peer: TransportAddress): boolean {
    const key = peerKey(peer.address, peer.port);
    const existing = this.channels.get(channel);
    const peerChannel = this.channelByPeer.get(key);
    if ((existing !== undefined && existing.key !== key) || (peerChannel !== undefined && peerChannel !== channel)) {
      return false;
    }
    this.channels.set(channel, { peer, key, expiresAt: this.now() + CHANNEL_LIFETIME_MS });
    this.channelByPeer.set(key, channel);
    this.permit(peer.address);
    return true;
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
      const indication = new MessageBuilder(Method.Data, MessageClass.Indication, randomTransactionId())
        .addXorAddress(Attr.XorPeerAddress, peer)
        .add(Attr.Data, data)
        .build();
      this.client.send(indication);
    }
    this.hooks.relayed('to-client', data.length);
  }

  private relayToPeer(peer: TransportAddress, data: Buffer, now: number): void {
    if (!this.hasPermission(peer.address, now)) return this.hooks.dropped('no-permission');
    if (!this.toPeerBudget.spend(data.length, now)) return this.hooks.dropped('bandwidth');
    this.hooks.toPeer(this, peer, data);
    this.hooks.relayed('to-peer', data.length);
  }

  /** Forgets expired permissions and channels; returns how many of each remain. */
  sweep(): { permissions: number; channels: number } {
    const now = this.now();
    for (const [address, expires] of this.permissions) if (expires <= now) this.permissions.delete(address);
    for (const [number, channel] of this.channels) {
      if (channel.expiresAt <= now) {
        this.channels.delete(number);
        this.channelByPeer.delete(channel.key);
      }
    }
    return { permissions: this.permissions.size, channels: this.channels.size };
  }

  get expired(): boolean {
    return this.expiresAt <= this.now();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.permissions.clear();
    this.channels.clear();
    this.channelByPeer.clear();
    this.socket.close();
  }
}

function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}
