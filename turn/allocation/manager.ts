/**
 * Every allocation, found by client 5-tuple or by relay port; the quotas
 * (in total and per user); the relay port range; and the sweep that expires
 * allocations, permissions and channels, closing their sockets. Two
 * allocations of this relay talk to each other in process, so relay-to-relay
 * calls work even where the external address does not hairpin.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../codec/address.js';
import type { ClientLink } from '../transport.js';
import type { PeerPolicy } from '../peer-policy.js';
import { ipLiteralLookup } from '../ip-lookup.js';
import { Allocation, type RelayHooks } from './allocation.js';

export interface ManagerOptions {
  relayAddress: string;
  externalAddress: string;
  minPort: number;
  maxPort: number;
  maxAllocations: number;
  maxAllocationsPerUser: number;
  bandwidthBytesPerSecond: number;
}

export interface ManagerEvents {
  relayed(direction: 'to-peer' | 'to-client', bytes: number): void;
  dropped(reason: 'no-permission' | 'bandwidth' | 'forbidden'): void;
  expired(allocation: Allocation): void;
  created(allocation: Allocation): void;
  /** Whatever ended it: expiry, Refresh with lifetime 0, its connection closing, shutdown. */
  removed(allocation: Allocation): void;
}

export type CreateResult = { ok: true; allocation: Allocation; reservationToken?: Buffer } | { ok: false; error: 486 | 508 };

/** How a relay port is chosen (RFC 8656 §7.2: EVEN-PORT, RESERVATION-TOKEN), for RTP/RTCP pairs. */
export type PortRequest = { kind: 'any' } | { kind: 'even'; reserveNext: boolean } | { kind: 'reserved'; token: Buffer };

interface Reservation {
  socket: Socket;
  port: number;
  timer: NodeJS.Timeout;
}

const PORT_ATTEMPTS = 40;
/** A reserved port (the odd one of a pair) is held this long for its Allocate. */
const RESERVATION_MS = 30_000;
const SWEEP_INTERVAL_MS = 5_000;

export class AllocationManager {
  private readonly byTuple = new Map<string, Allocation>();
  private readonly byPort = new Map<number, Allocation>();
  private readonly perUser = new Map<string, number>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly sweeper: NodeJS.Timeout;
  private counts = { permissions: 0, channels: 0 };

  constructor(
    private readonly options: ManagerOptions,
    private readonly policy: PeerPolicy,
    private readonly events: ManagerEvents,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get(client: ClientLink): Allocation | undefined {
    const allocation = this.byTuple.get(client.key);
    if (allocation !== undefined && allocation.expired) {
      this.remove(allocation);
      return undefined;
    }
    return allocation;
  }

  async create(client: ClientLink, username: string, user: string, key: Buffer, lifetime: number, ports: PortRequest = { kind: 'any' }): Promise<CreateResult> {
    if (this.byTuple.size >= this.options.maxAllocations) return { ok: false, error: 486 };
    if ((this.perUser.get(user) ?? 0) >= this.options.maxAllocationsPerUser) return { ok: false, error: 486 };
    let reservationToken: Buffer | undefined;
    let bound: { socket: Socket; port: number } | undefined;
    if (ports.kind === 'reserved') {
      bound = this.takeReservation(ports.token);
    } else if (ports.kind === 'even') {
      const pair = await this.bindEvenPort(ports.reserveNext);
      bound = pair?.even;
      if (pair?.odd !== undefined) reservationToken = this.reserve(pair.odd);
    } else {
      bound = await this.bindRelayPort();
    }
    if (bound === undefined) return { ok: false, error: 508 };
    // The client may have gone, or another Allocate won the race, while the socket was binding.
    if (this.byTuple.has(client.key)) {
      bound.socket.close();
      return { ok: false, error: 508 };
    }
    const relayed: TransportAddress = { family: 4, address: this.options.externalAddress, port: bound.port };
    const allocation = new Allocation(client, username, user, key, bound.socket, relayed, this.options.bandwidthBytesPerSecond, this.hooks);
    allocation.refresh(lifetime);
    this.byTuple.set(client.key, allocation);
    this.byPort.set(bound.port, allocation);
    this.perUser.set(user, (this.perUser.get(user) ?? 0) + 1);
    this.events.created(allocation);
    return reservationToken === undefined ? { ok: true, allocation } : { ok: true, allocation, reservationToken };
  }

  remove(allocation: Allocation): void {
    if (this.byTuple.get(allocation.client.key) !== allocation) return;
    this.byTuple.delete(allocation.client.key);
    this.byPort.delete(allocation.relayed.port);
    const left = (this.perUser.get(allocation.user) ?? 1) - 1;
    if (left === 0) this.perUser.delete(allocation.user);
    else this.perUser.set(allocation.user, left);
    allocation.close();
    this.events.removed(allocation);
  }

  /** A TCP/TLS client's connection closed: its allocation goes with it (RFC 8656 §3.1). */
  removeClient(client: ClientLink): void {
    const allocation = this.byTuple.get(client.key);
    if (allocation !== undefined) this.remove(allocation);
  }

  get stats(): { allocations: number; permissions: number; channels: number } {
    return { allocations: this.byTuple.size, ...this.counts };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const allocation of [...this.byTuple.values()]) this.remove(allocation);
    for (const token of [...this.reservations.keys()]) this.takeReservation(Buffer.from(token, 'hex'))?.socket.close();
  }

  private readonly hooks: RelayHooks = {
    toPeer: (from, peer, data) => {
      if (!this.policy.mayReach(peer.address, peer.port)) return this.events.dropped('forbidden');
      const local = this.isOwnAddress(peer.address) ? this.byPort.get(peer.port) : undefined;
      if (local !== undefined) local.fromPeer(from.relayed.address, from.relayed.port, data);
      else from.socket.send(data, peer.port, peer.address);
    },
    relayed: (direction, bytes) => this.events.relayed(direction, bytes),
    dropped: (reason) => this.events.dropped(reason),
  };

  private isOwnAddress(address: string): boolean {
    return address === this.options.externalAddress || address === this.options.relayAddress;
  }

  private async bindRelayPort(): Promise<{ socket: Socket; port: number } | undefined> {
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = this.randomPort(false);
      if (port === undefined) continue;
      const socket = await this.bindPort(port);
      if (socket !== undefined) return { socket, port };
    }
    return undefined;
  }

  /** An even port, and with `reserveNext` the odd one above it too. */
  private async bindEvenPort(reserveNext: boolean) {
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = this.randomPort(true);
      if (port === undefined || (reserveNext && (port + 1 > this.options.maxPort || this.isTaken(port + 1)))) continue;
      const even = await this.bindPort(port);
      if (even === undefined) continue;
      if (!reserveNext) return { even: { socket: even, port } };
      const odd = await this.bindPort(port + 1);
      if (odd !== undefined) return { even: { socket: even, port }, odd: { socket: odd, port: port + 1 } };
      even.close();
    }
    return undefined;
  }

  private randomPort(even: boolean): number | undefined {
    const { minPort, maxPort } = this.options;
    let port = minPort + Math.floor(Math.random() * (maxPort - minPort + 1));
    if (even && port % 2 === 1) port = port + 1 > maxPort ? port - 1 : port + 1;
    if (port < minPort || this.isTaken(port)) return undefined;
    return port;
  }

  private isTaken(port: number): boolean {
    if (this.byPort.has(port)) return true;
    for (const reservation of this.reservations.values()) if (reservation.port === port) return true;
    return false;
  }

  private async bindPort(port: number): Promise<Socket | undefined> {
    const socket = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, this.options.relayAddress, () => resolve(true));
    });
    if (!bound) {
      socket.close();
      return undefined;
    }
    socket.removeAllListeners('error');
    // A peer's ICMP errors surface as socket errors; the allocation lives on.
    socket.on('error', () => undefined);
    return socket;
  }

  private reserve(odd: { socket: Socket; port: number }): Buffer {
    const token = randomBytes(8);
    const key = token.toString('hex');
    const timer = setTimeout(() => this.takeReservation(token)?.socket.close(), RESERVATION_MS);
    timer.unref();
    this.reservations.set(key, { ...odd, timer });
    return token;
  }

  private takeReservation(token: Buffer): { socket: Socket; port: number } | undefined {
    const key = token.toString('hex');
    const reservation = this.reservations.get(key);
    if (reservation === undefined) return undefined;
    this.reservations.delete(key);
    clearTimeout(reservation.timer);
    return { socket: reservation.socket, port: reservation.port };
  }

  private sweep(): void {
    let permissions = 0;
    let channels = 0;
    for (const allocation of [...this.byTuple.values()]) {
      if (allocation.expired) {
        this.events.expired(allocation);
        this.remove(allocation);
        continue;
      }
      const counts = allocation.sweep();
      permissions += counts.permissions;
      channels += counts.channels;
    }
    this.counts = { permissions, channels };
  }
}
