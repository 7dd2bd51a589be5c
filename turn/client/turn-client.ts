/**
 * A TURN client (RFC 8656) on the relay's own codec, for the tools, tests
 * and benches of this project: Allocate, CreatePermission, ChannelBind,
 * Refresh, Send indications and ChannelData out; Data indications and
 * ChannelData in. Every method that waits settles: with the answer, a
 * StunErrorResponse, a NoAnswerError at the deadline, or a
 * ClientClosedError when the client or its connection closes.
 */
import type { TransportAddress } from '../codec/address.js';
import { decodeXorAddress } from '../codec/address.js';
import { encodeChannelData } from '../codec/channel-data.js';
import { Attr, Method } from '../codec/constants.js';
import { getAttribute, type MessageBuilder, type StunMessage } from '../codec/message.js';
import { readUInt32 } from '../codec/attributes.js';
import { buildPeerIndication, readPeerIndication } from '../codec/peer-indication.js';
import { ClientClosedError, NoAnswerError, expectSuccess } from './errors.js';
import { StunSession, type AddAttributes, type SessionOptions } from './session.js';
import { openTransport, type FrameTransport, type ServerTarget, type TlsOptions } from './transport.js';

export interface ClientOptions extends SessionOptions {
  tls?: TlsOptions;
}

export interface AllocateOptions {
  /** Seconds asked for; the relay may grant another (RFC 8656 §7.2). */
  lifetime?: number;
  /** REQUESTED-ADDRESS-FAMILY: the relayed address's family; the relay's default without it (RFC 8656 §7.1). */
  family?: 4 | 6;
  /** An even relay port; `reserveNext` keeps the odd one after it for a later Allocate. */
  evenPort?: { reserveNext: boolean };
  /** The token a previous EVEN-PORT allocation returned: allocates the port it reserved. */
  reservationToken?: Buffer;
}

export interface Allocation {
  relayed: TransportAddress;
  /** This client's address as the relay sees it. */
  mapped: TransportAddress | undefined;
  lifetime: number;
  reservationToken: Buffer | undefined;
}

export type DataListener = (peer: TransportAddress, data: Buffer, channel: number | undefined) => void;

export class TurnClient {
  readonly session: StunSession;
  /** Bound channels: ChannelData from the relay names only the channel. */
  private readonly channels = new Map<number, TransportAddress>();
  private readonly dataListeners = new Set<DataListener>();

  constructor(transport: FrameTransport, options: SessionOptions = {}) {
    this.session = new StunSession(transport, options);
    this.session.onIndication((message) => {
      const indication = readPeerIndication(message, Method.Data);
      if (indication !== undefined) this.deliver(indication.peer, indication.data, undefined);
    });
    this.session.onChannelData((channel, data) => {
      const peer = this.channels.get(channel);
      if (peer !== undefined) this.deliver(peer, data, channel);
    });
  }

  /** Connects over `target.transport`; the connect timeout is the request timeout. */
  static async connect(target: ServerTarget, options: ClientOptions = {}): Promise<TurnClient> {
    const transport = await openTransport(target, options.timeoutMs ?? 5000, options.tls);
    return new TurnClient(transport, options);
  }

  /** This client's address as the server sees it; needs no credentials. */
  async binding(): Promise<TransportAddress> {
    const response = await this.call(Method.Binding, (b) => b, false);
    return address(response, Attr.XorMappedAddress);
  }

  async allocate(options: AllocateOptions = {}): Promise<Allocation> {
    const response = await this.call(Method.Allocate, (b) => {
      b.addRequestedTransport();
      if (options.lifetime !== undefined) b.addUInt32(Attr.Lifetime, options.lifetime);
      if (options.family !== undefined) b.add(Attr.RequestedAddressFamily, requestedFamily(options.family));
      if (options.evenPort !== undefined) b.addEvenPort(options.evenPort.reserveNext);
      if (options.reservationToken !== undefined) b.add(Attr.ReservationToken, options.reservationToken);
      return b;
    });
    const mapped = getAttribute(response, Attr.XorMappedAddress);
    const lifetime = getAttribute(response, Attr.Lifetime);
    return {
      relayed: address(response, Attr.XorRelayedAddress),
      mapped: mapped === undefined ? undefined : decodeXorAddress(mapped, response.transactionId),
      lifetime: lifetime === undefined ? 0 : readUInt32(lifetime),
      reservationToken: getAttribute(response, Attr.ReservationToken),
    };
  }

  /** One request for all `peers`: the relay grants all or none (RFC 8656 §9). */
  async createPermission(...peers: TransportAddress[]): Promise<void> {
    const addPeers = (b: MessageBuilder) =>
      peers.reduce((built, peer) => built.addXorAddress(Attr.XorPeerAddress, peer), b);
    await this.call(Method.CreatePermission, addPeers);
  }

  async channelBind(channel: number, peer: TransportAddress): Promise<void> {
    await this.call(Method.ChannelBind, (b) => b.addChannelNumber(channel).addXorAddress(Attr.XorPeerAddress, peer));
    this.channels.set(channel, peer);
  }

  /** Resolves with the lifetime granted; 0 deletes the allocation (see release()). */
  async refresh(lifetime: number): Promise<number> {
    const response = await this.call(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, lifetime));
    const granted = getAttribute(response, Attr.Lifetime);
    return granted === undefined ? lifetime : readUInt32(granted);
  }

  /** Lifetime 0: the relay frees the allocation now rather than when it expires. */
  async release(): Promise<void> {
    await this.refresh(0);
    this.channels.clear();
  }

  send(peer: TransportAddress, data: Buffer): void {
    this.session.sendRaw(buildPeerIndication(Method.Send, peer, data, true));
  }

  /** To the peer bound to `channel`; padded on TCP and TLS, where the next frame must start on 4 bytes. */
  sendChannelData(channel: number, data: Buffer): void {
    this.session.sendRaw(encodeChannelData(channel, data, this.session.transport.kind !== 'UDP'));
  }

  /** Data from peers, by Data indication (`channel` undefined) or ChannelData. Returns the unsubscribe. */
  onData(listener: DataListener): () => void {
    this.dataListeners.add(listener);
    return () => void this.dataListeners.delete(listener);
  }

  /** The next datagram from a peer; rejects after `timeoutMs` or when the client closes. */
  nextData(timeoutMs: number): Promise<{ peer: TransportAddress; data: Buffer; channel: number | undefined }> {
    return new Promise((resolve, reject) => {
      const unsubscribe: Array<() => void> = [];
      const stop = () => {
        clearTimeout(timer);
        unsubscribe.forEach((undo) => undo());
      };
      const fail = (error: Error) => {
        stop();
        reject(error);
      };
      const timer = setTimeout(() => fail(new NoAnswerError(`no data within ${timeoutMs} ms`)), timeoutMs);
      unsubscribe.push(
        this.onData((peer, data, channel) => {
          stop();
          resolve({ peer, data, channel });
        }),
      );
      unsubscribe.push(this.session.onClose(() => fail(new ClientClosedError('closed while waiting for data'))));
    });
  }

  close(): void {
    this.session.close();
  }

  private async call(method: number, add: AddAttributes, authenticate = true): Promise<StunMessage> {
    return expectSuccess(method, await this.session.request(method, add, authenticate));
  }

  private deliver(peer: TransportAddress, data: Buffer, channel: number | undefined): void {
    for (const listener of [...this.dataListeners]) listener(peer, data, channel);
  }
}

function address(response: StunMessage, type: number): TransportAddress {
  const value = getAttribute(response, type);
  if (value === undefined) throw new Error(`the response carries no attribute 0x${type.toString(16)}`);
  return decodeXorAddress(value, response.transactionId);
}

/** REQUESTED-ADDRESS-FAMILY's value: the family (0x01 IPv4, 0x02 IPv6), then 3 reserved bytes. */
export function requestedFamily(family: 4 | 6): Buffer {
  return Buffer.from([family === 4 ? 0x01 : 0x02, 0, 0, 0]);
}
