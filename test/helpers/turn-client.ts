/**
 * turn/client as the relay's tests want it over UDP: every answer returned
 * as the message it is (a refusal is what many tests look for), indications
 * kept for the test to read, raw datagrams on the same 5-tuple, and one
 * transmission per request, since tests count what the relay handled.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { Attr, Method } from '../../turn/codec/constants.js';
import { getAttribute, type StunMessage } from '../../turn/codec/message.js';
import { decodeXorAddress, type TransportAddress } from '../../turn/codec/address.js';
import { buildPeerIndication } from '../../turn/codec/peer-indication.js';
import { StunSession, udpSocketTransport, type AddAttributes, type Credentials } from '../../turn/client/index.js';

export { responseCode as errorCode, type Credentials } from '../../turn/client/index.js';

const TIMEOUT_MS = 3000;

export class TurnTestClient {
  readonly indications: StunMessage[] = [];
  private readonly session: StunSession;

  private constructor(
    readonly socket: Socket,
    server: { address: string; port: number },
    credentials: Credentials,
  ) {
    const transport = udpSocketTransport(socket, server);
    this.session = new StunSession(transport, { credentials, timeoutMs: TIMEOUT_MS, maxTransmissions: 1 });
    this.session.onIndication((message) => this.indications.push(message));
  }

  static async open(
    server: { address: string; port: number },
    credentials: Credentials,
    localAddress = '127.0.0.1',
  ): Promise<TurnTestClient> {
    const socket = createSocket(isIPv6(localAddress) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve) => socket.bind(0, localAddress, resolve));
    return new TurnTestClient(socket, server, credentials);
  }

  /** The nonce requests are signed with; a test may plant a stale one. */
  get nonce(): string {
    return this.session.nonce;
  }

  set nonce(nonce: string) {
    this.session.nonce = nonce;
  }

  /** Sends a request, answering a 401/438 challenge once; resolves with the final response. */
  request(method: number, add: AddAttributes = (b) => b, authenticate = true): Promise<StunMessage> {
    return this.session.request(method, add, authenticate);
  }

  /** One transaction, no challenge answered: how a test sends a request signed with a nonce it chose. */
  exchange(method: number, add: AddAttributes, signed: boolean): Promise<StunMessage> {
    return this.session.exchange(method, add, signed);
  }

  allocate(add: AddAttributes = (b) => b): Promise<StunMessage> {
    return this.request(Method.Allocate, (b) => add(b.addRequestedTransport()));
  }

  relayedAddress(response: StunMessage): TransportAddress {
    const value = getAttribute(response, Attr.XorRelayedAddress);
    if (value === undefined) throw new Error('no XOR-RELAYED-ADDRESS');
    return decodeXorAddress(value, response.transactionId);
  }

  createPermission(peer: TransportAddress): Promise<StunMessage> {
    return this.request(Method.CreatePermission, (b) => b.addXorAddress(Attr.XorPeerAddress, peer));
  }

  channelBind(channel: number, peer: TransportAddress): Promise<StunMessage> {
    const add: AddAttributes = (b) => b.addChannelNumber(channel).addXorAddress(Attr.XorPeerAddress, peer);
    return this.request(Method.ChannelBind, add);
  }

  /** Refresh with lifetime 0: deletes this 5-tuple's allocation. */
  release(): Promise<StunMessage> {
    return this.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 0));
  }

  send(peer: TransportAddress, data: Buffer): void {
    this.session.sendRaw(buildPeerIndication(Method.Send, peer, data, true));
  }

  raw(data: Buffer): void {
    this.session.sendRaw(data);
  }

  close(): void {
    this.session.close();
  }
}
