/**
 * Every allocation, found by client 5-tuple or by relay port; the quotas;
 * the relay port range; and the sweep that expires allocations, permissions
 * and channels, closing their sockets. Two allocations of this relay talk to
 * each other in process, so relay-to-relay calls work even where the
 * external address does not hairpin, and nothing is ever sent over the wire
 * to the relay's own address: a port there that is not a live allocation
 * (another service on the host, say) cannot be reached through the relay.
 *
 * An allocation is IPv4 (relay sockets on TURN_RELAY_ADDRESS) or IPv6 (on
 * TURN_RELAY_ADDRESS6), never both; one relay port belongs to one allocation
 * whatever its family, so a port still finds it, and a packet to the relay's
 * own address of the other family finds nothing.
 *
 * Quotas: allocations and EVEN-PORT reservations alike hold a relay socket,
 * so each counts once against the total, its user and its client address,
 * from before its socket is bound (so concurrent Allocates cannot overshoot)
 * until it ends. A reservation belongs to the allocation that made it and
 * ends with it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { TransportAddress } from '../codec/address.js';
import type { ClientLink } from '../transport.js';
import type { PeerPolicy } from '../peer-policy.js';
import type { TurnConfig } from '../config.js';
import type { LimitName } from '../metrics.js';
import { ipLiteralLookup } from '../ip-lookup.js';
import { Allocation, type AllocationLimits, type DropReason, type RelayHooks } from './allocation.js';
import { Pool, Tally } from './counters.js';

export type ManagerOptions = Pick<
  TurnConfig,
  | 'relayAddress'
  | 'externalAddress'
  | 'relayAddress6'
  | 'externalAddress6'
  | 'minPort'
  | 'maxPort'
  | 'maxAllocations'
  | 'maxAllocationsPerUser'
  | 'maxAllocationsPerAddress'
  | 'maxPermissionsPerAllocation'
  | 'maxChannelsPerAllocation'
  | 'maxPermissions'
  | 'maxChannels'
  | 'bandwidthBytesPerSecond'
>;

export interface ManagerEvents {
  relayed(direction: 'to-peer' | 'to-client', bytes: number): void;
  dropped(reason: DropReason): void;
  expired(allocation: Allocation): void;
  created(allocation: Allocation): void;
  /** Whatever ended it: expiry, Refresh with lifetime 0, its connection closing, shutdown. */
  removed(allocation: Allocation): void;
}

/** How a relay port is chosen (RFC 8656 §7.2: EVEN-PORT, RESERVATION-TOKEN), for RTP/RTCP pairs. */
export type PortRequest =
  { kind: 'any' } | { kind: 'even'; reserveNext: boolean } | { kind: 'reserved'; token: Buffer };

export interface AllocateRequest {
  username: string;
  /** The quota identity: the user part of the username, chosen by the signaling server. */
  user: string;
  key: Buffer;
  lifetime: number;
  ports: PortRequest;
  /** The relayed address family; a reservation's token brings the family it was made in instead. */
  family: 4 | 6;
}

export type CreateResult =
  | { ok: true; allocation: Allocation; reservationToken?: Buffer }
  /** 486 names the quota that refused; 508 is no relay port (or no such reservation). */
  | { ok: false; error: 486; limit: LimitName }
  | { ok: false; error: 508 };

interface Bound {
  socket: Socket;
  port: number;
  family: 4 | 6;
}

interface Reservation extends Bound {
  owner: Allocation;
  timer: NodeJS.Timeout;
}

const PORT_ATTEMPTS = 40;
/** A reserved port (the odd one of a pair) is held this long for its Allocate. */
const RESERVATION_MS = 30_000;
const SWEEP_INTERVAL_MS = 5_000;

export class AllocationManager {
  private readonly byTuple = new Map<string, Allocation>();
  private readonly byPort = new Map<number, Allocation>();
  /** By token (hex); and the token each owner holds. */
  private readonly reservations = new Map<string, Reservation>();
  private readonly reservationOf = new Map<Allocation, string>();
  private readonly reservedPorts = new Set<number>();
  private readonly perUser: Tally;
  private readonly perAddress: Tally;
  /** Allocations, reservations and Allocates still binding their socket. */
  private held = 0;
  private readonly limits: AllocationLimits;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly options: ManagerOptions,
    private readonly policy: PeerPolicy,
    private readonly events: ManagerEvents,
  ) {
    this.perUser = new Tally(options.maxAllocationsPerUser);
    this.perAddress = new Tally(options.maxAllocationsPerAddress);
    this.limits = {
      bytesPerSecond: options.bandwidthBytesPerSecond,
      permissions: { perAllocation: options.maxPermissionsPerAllocation, pool: new Pool(options.maxPermissions) },
      channels: { perAllocation: options.maxChannelsPerAllocation, pool: new Pool(options.maxChannels) },
    };
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

  async create(client: ClientLink, request: AllocateRequest): Promise<CreateResult> {
    const { ports, user, family } = request;
    const address = client.address;
    let bound: Bound | undefined;
    let odd: Bound | undefined;
    if (ports.kind === 'reserved') {
      // The reservation's unit goes back to its owner's quotas; this allocation takes its own.
      const reserved = this.takeReservation(ports.token);
      if (reserved === undefined) return { ok: false, error: 508 };
      const refused = this.charge(user, address);
      if (refused !== undefined) {
        reserved.socket.close();
        return { ok: false, error: 486, limit: refused };
      }
      bound = reserved;
    } else {
      const reserveNext = ports.kind === 'even' && ports.reserveNext;
      const refused = this.charge(user, address) ?? (reserveNext ? this.chargeSecond(user, address) : undefined);
      if (refused !== undefined) return { ok: false, error: 486, limit: refused };
      if (ports.kind === 'even') {
        const pair = await this.bindEvenPort(reserveNext, family);
        bound = pair?.even;
        odd = pair?.odd;
      } else {
        bound = await this.bindRelayPort(family);
      }
      if (bound === undefined) {
        this.uncharge(user, address);
        if (reserveNext) this.uncharge(user, address);
        return { ok: false, error: 508 };
      }
    }
    // The client may have gone, or another Allocate won the race, while the socket was binding.
    if (this.byTuple.has(client.key)) {
      bound.socket.close();
      this.uncharge(user, address);
      if (odd !== undefined) {
        odd.socket.close();
        this.uncharge(user, address);
      }
      return { ok: false, error: 508 };
    }
    const allocation = new Allocation({
      client,
      username: request.username,
      user,
      key: request.key,
      socket: bound.socket,
      relayed: { family: bound.family, address: this.externalAddress(bound.family), port: bound.port },
      limits: this.limits,
      hooks: this.hooks,
    });
    allocation.refresh(request.lifetime);
    this.byTuple.set(client.key, allocation);
    this.byPort.set(bound.port, allocation);
    this.events.created(allocation);
    if (odd === undefined) return { ok: true, allocation };
    return { ok: true, allocation, reservationToken: this.reserve(odd, allocation) };
  }

  remove(allocation: Allocation): void {
    if (this.byTuple.get(allocation.client.key) !== allocation) return;
    this.byTuple.delete(allocation.client.key);
    this.byPort.delete(allocation.relayed.port);
    this.uncharge(allocation.user, allocation.client.address);
    const token = this.reservationOf.get(allocation);
    if (token !== undefined) this.takeReservation(Buffer.from(token, 'hex'))?.socket.close();
    allocation.close();
    this.events.removed(allocation);
  }

  /** A TCP/TLS client's connection closed: its allocation goes with it (RFC 8656 §3.1). */
  removeClient(client: ClientLink): void {
    const allocation = this.byTuple.get(client.key);
    if (allocation !== undefined) this.remove(allocation);
  }

  /**
   * Whether a packet may go to `peer`: what the peer policy allows, and the
   * relay's own addresses only at ports that are live allocations.
   */
  mayReach(peer: TransportAddress): boolean {
    return this.route(peer) !== undefined;
  }

  get stats(): { allocations: number; reservations: number; permissions: number; channels: number } {
    return {
      allocations: this.byTuple.size,
      reservations: this.reservations.size,
      permissions: this.limits.permissions.pool.size,
      channels: this.limits.channels.pool.size,
    };
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const allocation of [...this.byTuple.values()]) this.remove(allocation);
  }

  /** Where a packet to `peer` goes: to another allocation of this relay, out on the wire, or nowhere. */
  private route(peer: TransportAddress): Allocation | 'wire' | undefined {
    const verdict = this.policy.permission(peer.address);
    if (verdict === 'own-relay') {
      const allocation = this.byPort.get(peer.port);
      return allocation?.relayed.family === peer.family ? allocation : undefined;
    }
    return verdict === 'allowed' && peer.port !== 0 ? 'wire' : undefined;
  }

  private externalAddress(family: 4 | 6): string {
    const address = family === 4 ? this.options.externalAddress : this.options.externalAddress6;
    // The request handler answers 440 before asking for a family the relay has no address for.
    if (address === undefined) throw new Error('no IPv6 relay address');
    return address;
  }

  private readonly hooks: RelayHooks = {
    toPeer: (from, peer, data) => {
      const route = this.route(peer);
      if (route === undefined) return this.drop('forbidden');
      if (route !== 'wire') {
        route.fromPeer(from.relayed.address, from.relayed.port, data);
        return true;
      }
      try {
        from.socket.send(data, peer.port, peer.address);
        return true;
      } catch {
        return this.drop('send-failed');
      }
    },
    relayed: (direction, bytes) => this.events.relayed(direction, bytes),
    dropped: (reason) => this.events.dropped(reason),
  };

  private drop(reason: DropReason): false {
    this.events.dropped(reason);
    return false;
  }

  /** Counts one allocation or reservation against every quota; or, when one is full, nothing, and names it. */
  private charge(user: string, address: string): LimitName | undefined {
    if (this.held >= this.options.maxAllocations) return 'allocations';
    if (!this.perUser.hasRoom(user)) return 'allocations-per-user';
    if (!this.perAddress.hasRoom(address)) return 'allocations-per-address';
    this.held += 1;
    this.perUser.add(user);
    this.perAddress.add(address);
    return undefined;
  }

  /** The reservation's unit, after the allocation's: both or neither. */
  private chargeSecond(user: string, address: string): LimitName | undefined {
    const refused = this.charge(user, address);
    if (refused !== undefined) this.uncharge(user, address);
    return refused;
  }

  private uncharge(user: string, address: string): void {
    this.held -= 1;
    this.perUser.remove(user);
    this.perAddress.remove(address);
  }

  private async bindRelayPort(family: 4 | 6): Promise<Bound | undefined> {
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = this.randomPort(false);
      if (port === undefined) continue;
      const socket = await this.bindPort(port, family);
      if (socket !== undefined) return { socket, port, family };
    }
    return undefined;
  }

  /** An even port, and with `reserveNext` the odd one above it too. */
  private async bindEvenPort(reserveNext: boolean, family: 4 | 6): Promise<{ even: Bound; odd?: Bound } | undefined> {
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const port = this.randomPort(true);
      if (port === undefined || (reserveNext && (port + 1 > this.options.maxPort || this.isTaken(port + 1)))) continue;
      const even = await this.bindPort(port, family);
      if (even === undefined) continue;
      if (!reserveNext) return { even: { socket: even, port, family } };
      const odd = await this.bindPort(port + 1, family);
      if (odd !== undefined) {
        return { even: { socket: even, port, family }, odd: { socket: odd, port: port + 1, family } };
      }
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
    return this.byPort.has(port) || this.reservedPorts.has(port);
  }

  private async bindPort(port: number, family: 4 | 6): Promise<Socket | undefined> {
    const address = family === 4 ? this.options.relayAddress : this.options.relayAddress6;
    if (address === undefined) return undefined;
    const socket = createSocket({
      type: family === 4 ? 'udp4' : 'udp6',
      ipv6Only: family === 6,
      lookup: ipLiteralLookup,
    });
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, address, () => resolve(true));
    });
    if (!bound) {
      socket.close();
      return undefined;
    }
    socket.removeAllListeners('error');
    // Sends to peers are fire and forget; one that fails later (no buffer, a firewall) is a lost packet.
    socket.on('error', () => this.events.dropped('send-failed'));
    return socket;
  }

  /** Holds the odd port of a pair for `owner`, counted in its quotas, until taken, expired or its owner ends. */
  private reserve(odd: Bound, owner: Allocation): Buffer {
    const token = randomBytes(8);
    const key = token.toString('hex');
    const timer = setTimeout(() => {
      const reservation = this.takeReservation(token);
      reservation?.socket.close();
    }, RESERVATION_MS);
    timer.unref();
    this.reservations.set(key, { ...odd, owner, timer });
    this.reservationOf.set(owner, key);
    this.reservedPorts.add(odd.port);
    return token;
  }

  /** Ends a reservation and returns its socket, giving its unit back to the owner's quotas. */
  private takeReservation(token: Buffer): Bound | undefined {
    const key = token.toString('hex');
    const reservation = this.reservations.get(key);
    if (reservation === undefined) return undefined;
    this.reservations.delete(key);
    this.reservationOf.delete(reservation.owner);
    this.reservedPorts.delete(reservation.port);
    clearTimeout(reservation.timer);
    this.uncharge(reservation.owner.user, reservation.owner.client.address);
    return { socket: reservation.socket, port: reservation.port, family: reservation.family };
  }

  private sweep(): void {
    for (const allocation of [...this.byTuple.values()]) {
      if (allocation.expired) {
        this.events.expired(allocation);
        this.remove(allocation);
      } else {
        allocation.sweep();
      }
    }
  }
}
