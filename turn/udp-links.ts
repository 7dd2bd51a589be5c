/**
 * The links of the UDP clients that hold an allocation, by source address
 * and port. Every datagram on the listener needs its sender's link, and
 * building one (an object, a 5-tuple key, a send closure) for each relayed
 * packet was a good part of what relaying cost. Only allocations' links are
 * kept, from the allocation's creation to its removal, so this holds at most
 * as many links as the allocation quota allows: a datagram from any other
 * source (a client spraying source ports, say) gets a link of its own that
 * nothing keeps.
 */
import type { Socket } from 'node:dgram';
import { fiveTupleKey, type ClientLink } from './transport.js';

export class UdpLinks {
  private readonly byAddress = new Map<string, Map<number, ClientLink>>();
  private kept = 0;

  constructor(
    private readonly socket: Socket,
    private readonly serverPort: number,
    /** A send to a client failed at once (a source it could not be answered at): the packet is lost. */
    private readonly sendFailed: () => void,
  ) {}

  /** The kept link of this source, or a new one that is not kept. */
  link(address: string, port: number): ClientLink {
    return this.byAddress.get(address)?.get(port) ?? this.create(address, port);
  }

  /** Keeps the link of an allocation made over this listener (links of other listeners are ignored). */
  keep(link: ClientLink): void {
    if (link.key !== fiveTupleKey('udp', link.address, link.port, this.serverPort)) return;
    let ports = this.byAddress.get(link.address);
    if (ports === undefined) {
      ports = new Map();
      this.byAddress.set(link.address, ports);
    }
    if (!ports.has(link.port)) this.kept += 1;
    ports.set(link.port, link);
  }

  /** Forgets the link of an allocation that is gone. */
  forget(link: ClientLink): void {
    const ports = this.byAddress.get(link.address);
    if (ports?.get(link.port) !== link) return;
    ports.delete(link.port);
    this.kept -= 1;
    if (ports.size === 0) this.byAddress.delete(link.address);
  }

  get size(): number {
    return this.kept;
  }

  private create(address: string, port: number): ClientLink {
    const { socket, sendFailed } = this;
    return {
      transport: 'udp',
      address,
      port,
      key: fiveTupleKey('udp', address, port, this.serverPort),
      send: (out) => {
        try {
          socket.send(out, port, address);
        } catch {
          sendFailed();
        }
      },
      close: () => undefined,
    };
  }
}
