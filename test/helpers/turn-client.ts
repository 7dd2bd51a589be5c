/**
 * A small TURN client over UDP for tests, built on the relay's own codec:
 * it answers the 401 challenge with long-term credentials the way browsers
 * do, and lets a test send exactly the requests it wants to probe.
 */
import { createSocket, type Socket } from 'node:dgram';
import { Attr, MessageClass, Method } from '../../turn/codec/constants.js';
import { MessageBuilder, getAttribute, isStunMessage, parseMessage, randomTransactionId, type StunMessage } from '../../turn/codec/message.js';
import { decodeXorAddress, type TransportAddress } from '../../turn/codec/address.js';
import { readErrorCode, readString } from '../../turn/codec/attributes.js';
import { buildRequest } from '../../tools/ice-check/turn-session.js';

export interface Credentials {
  username: string;
  password: string;
}

type Add = (builder: MessageBuilder) => MessageBuilder;

export class TurnTestClient {
  private readonly socket: Socket;
  private readonly pending = new Map<string, (message: StunMessage) => void>();
  readonly indications: StunMessage[] = [];
  private realm = '';
  private nonce = '';

  private constructor(
    private readonly server: { address: string; port: number },
    private readonly credentials: Credentials,
  ) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (data) => {
      if (!isStunMessage(data)) return;
      const message = parseMessage(Buffer.from(data));
      const waiter = this.pending.get(message.transactionId.toString('hex'));
      if (waiter !== undefined) waiter(message);
      else if (message.cls === MessageClass.Indication) this.indications.push(message);
    });
  }

  static async open(server: { address: string; port: number }, credentials: Credentials, localAddress = '127.0.0.1'): Promise<TurnTestClient> {
    const client = new TurnTestClient(server, credentials);
    await new Promise<void>((resolve) => client.socket.bind(0, localAddress, resolve));
    return client;
  }

  /** Sends a request, answering a 401/438 challenge once; resolves with the final response. */
  async request(method: number, add: Add = (b) => b, authenticate = true): Promise<StunMessage> {
    let response = await this.exchange(method, add, authenticate && this.nonce !== '');
    const code = errorCode(response);
    if (authenticate && (code === 401 || code === 438) && getAttribute(response, Attr.Nonce) !== undefined) {
      this.realm = readString(getAttribute(response, Attr.Realm) ?? Buffer.alloc(0), 763);
      this.nonce = readString(getAttribute(response, Attr.Nonce) ?? Buffer.alloc(0), 763);
      response = await this.exchange(method, add, true);
    }
    return response;
  }

  async allocate(add: Add = (b) => b): Promise<StunMessage> {
    return this.request(Method.Allocate, (b) => add(b.add(Attr.RequestedTransport, Buffer.from([17, 0, 0, 0]))));
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
    return this.request(Method.ChannelBind, (b) => {
      const number = Buffer.alloc(4);
      number.writeUInt16BE(channel, 0);
      return b.add(Attr.ChannelNumber, number).addXorAddress(Attr.XorPeerAddress, peer);
    });
  }

  /** Refresh with lifetime 0: deletes this 5-tuple's allocation. */
  release(): Promise<StunMessage> {
    return this.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 0));
  }

  send(peer: TransportAddress, data: Buffer): void {
    const indication = new MessageBuilder(Method.Send, MessageClass.Indication, randomTransactionId())
      .addXorAddress(Attr.XorPeerAddress, peer)
      .add(Attr.Data, data)
      .build({ fingerprint: true });
    this.socket.send(indication, this.server.port, this.server.address);
  }

  raw(data: Buffer): void {
    this.socket.send(data, this.server.port, this.server.address);
  }

  close(): void {
    this.socket.close();
  }

  private exchange(method: number, add: Add, signed: boolean): Promise<StunMessage> {
    const { transactionId, request } = buildRequest(method, add, signed ? { ...this.credentials, realm: this.realm, nonce: this.nonce } : undefined);
    return new Promise((resolve, reject) => {
      const id = transactionId.toString('hex');
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to method ${method} within 3 s`));
      }, 3000);
      this.pending.set(id, (message) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(message);
      });
      this.socket.send(request, this.server.port, this.server.address);
    });
  }
}

/** The error code of a response, or 200 for a success. */
export function errorCode(message: StunMessage): number {
  if (message.cls === MessageClass.SuccessResponse) return 200;
  const value = getAttribute(message, Attr.ErrorCode);
  return value === undefined ? 0 : readErrorCode(value).code;
}
