/**
 * The client side of STUN/TURN as a browser speaks it, on the relay's own
 * codec: requests retransmitted over UDP (RFC 8489 §6.2.1), the 401/438
 * long-term-credential challenge answered once, Data indications collected.
 */
import { Attr, MessageClass, Method } from '../../turn/codec/constants.js';
import { MessageBuilder, getAttribute, isStunMessage, parseMessage, randomTransactionId, type StunMessage } from '../../turn/codec/message.js';
import { decodeXorAddress, type TransportAddress } from '../../turn/codec/address.js';
import { readErrorCode, readString } from '../../turn/codec/attributes.js';
import { longTermKey } from '../../turn/codec/integrity.js';
import { MAX_STRING_BYTES } from '../../turn/codec/constants.js';
import type { FrameTransport } from './transport.js';

export interface Credentials {
  username: string;
  password: string;
}

/** A response that was not a success: the STUN error code and reason the server sent. */
export class StunErrorResponse extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(`${method}: ${code} ${reason}`.trim());
  }
}

/** No response at all, after every retransmission. */
export class NoAnswerError extends Error {}

const UDP_FIRST_RTO_MS = 500;

const METHOD_NAMES: Record<number, string> = {
  [Method.Binding]: 'Binding',
  [Method.Allocate]: 'Allocate',
  [Method.Refresh]: 'Refresh',
  [Method.CreatePermission]: 'CreatePermission',
};

export class TurnSession {
  private readonly pending = new Map<string, (message: StunMessage) => void>();
  private readonly dataListeners: Array<(peer: TransportAddress, data: Buffer) => void> = [];
  private realm = '';
  private nonce = '';

  constructor(
    private readonly transport: FrameTransport,
    private readonly credentials: Credentials | undefined,
    private readonly timeoutMs: number,
  ) {
    transport.onFrame((frame) => this.receive(frame));
  }

  async binding(): Promise<TransportAddress> {
    const response = await this.request(Method.Binding, (b) => b, false);
    return this.address(response, Attr.XorMappedAddress);
  }

  /** A UDP relay; resolves with the relayed and the server-reflexive (mapped) address. */
  async allocate(): Promise<{ relayed: TransportAddress; mapped: TransportAddress | undefined; lifetime: number }> {
    const response = await this.request(Method.Allocate, (b) => b.add(Attr.RequestedTransport, Buffer.from([17, 0, 0, 0])));
    const lifetime = getAttribute(response, Attr.Lifetime)?.readUInt32BE(0) ?? 0;
    const mapped = getAttribute(response, Attr.XorMappedAddress);
    return {
      relayed: this.address(response, Attr.XorRelayedAddress),
      mapped: mapped === undefined ? undefined : decodeXorAddress(mapped, response.transactionId),
      lifetime,
    };
  }

  async createPermission(peer: TransportAddress): Promise<void> {
    await this.request(Method.CreatePermission, (b) => b.addXorAddress(Attr.XorPeerAddress, peer));
  }

  /** Lifetime 0: the relay frees the allocation now rather than when it expires. */
  async release(): Promise<void> {
    await this.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 0));
  }

  send(peer: TransportAddress, data: Buffer): void {
    const indication = new MessageBuilder(Method.Send, MessageClass.Indication, randomTransactionId())
      .addXorAddress(Attr.XorPeerAddress, peer)
      .add(Attr.Data, data)
      .build({ fingerprint: true });
    this.transport.send(indication);
  }

  onData(listener: (peer: TransportAddress, data: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  close(): void {
    this.transport.close();
  }

  /** Sends a request, answering one 401/438 challenge with the credentials; throws on any other error. */
  private async request(method: number, add: (builder: MessageBuilder) => MessageBuilder, authenticate = true): Promise<StunMessage> {
    let response = await this.exchange(method, add, authenticate && this.nonce !== '');
    let code = errorCode(response);
    if (authenticate && this.credentials !== undefined && (code === 401 || code === 438) && getAttribute(response, Attr.Nonce) !== undefined) {
      this.realm = readString(getAttribute(response, Attr.Realm) ?? Buffer.alloc(0), MAX_STRING_BYTES);
      this.nonce = readString(getAttribute(response, Attr.Nonce) ?? Buffer.alloc(0), MAX_STRING_BYTES);
      response = await this.exchange(method, add, true);
      code = errorCode(response);
    }
    if (code !== 200) {
      const reason = readErrorCode(getAttribute(response, Attr.ErrorCode) ?? Buffer.alloc(4)).reason;
      throw new StunErrorResponse(METHOD_NAMES[method] ?? `method ${method}`, code, reason);
    }
    return response;
  }

  private exchange(method: number, add: (builder: MessageBuilder) => MessageBuilder, signed: boolean): Promise<StunMessage> {
    const { transactionId, request } = buildRequest(method, add, signed && this.credentials !== undefined ? { ...this.credentials, realm: this.realm, nonce: this.nonce } : undefined);
    const id = transactionId.toString('hex');
    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = () => {
        timers.forEach(clearTimeout);
        this.pending.delete(id);
      };
      this.pending.set(id, (message) => {
        finish();
        resolve(message);
      });
      // Streams are reliable: one send. UDP: retransmit at RTO, 2×RTO… until the deadline.
      this.transport.send(request);
      if (this.transport.kind === 'UDP') {
        for (let at = UDP_FIRST_RTO_MS, rto = UDP_FIRST_RTO_MS; at < this.timeoutMs; rto *= 2, at += rto) {
          timers.push(setTimeout(() => this.transport.send(request), at));
        }
      }
      timers.push(
        setTimeout(() => {
          finish();
          reject(new NoAnswerError(`no answer to ${METHOD_NAMES[method] ?? method} over ${this.transport.kind} within ${this.timeoutMs} ms`));
        }, this.timeoutMs),
      );
    });
  }

  private receive(frame: Buffer): void {
    if (!isStunMessage(frame)) return;
    let message: StunMessage;
    try {
      message = parseMessage(frame);
    } catch {
      return;
    }
    const waiter = this.pending.get(message.transactionId.toString('hex'));
    if (waiter !== undefined) {
      waiter(message);
      return;
    }
    if (message.cls !== MessageClass.Indication || message.method !== Method.Data) return;
    const peer = getAttribute(message, Attr.XorPeerAddress);
    const data = getAttribute(message, Attr.Data);
    if (peer === undefined || data === undefined) return;
    const from = decodeXorAddress(peer, message.transactionId);
    this.dataListeners.forEach((listener) => listener(from, data));
  }

  private address(response: StunMessage, type: number): TransportAddress {
    const value = getAttribute(response, type);
    if (value === undefined) throw new Error(`the response carries no attribute 0x${type.toString(16)}`);
    return decodeXorAddress(value, response.transactionId);
  }
}

/** A request with a fresh transaction id and FINGERPRINT, signed with long-term credentials (RFC 8489 §9.2) when given them. */
export function buildRequest(
  method: number,
  add: (builder: MessageBuilder) => MessageBuilder,
  auth?: Credentials & { realm: string; nonce: string },
): { transactionId: Buffer; request: Buffer } {
  const transactionId = randomTransactionId();
  let builder = add(new MessageBuilder(method, MessageClass.Request, transactionId));
  if (auth === undefined) return { transactionId, request: builder.build({ fingerprint: true }) };
  builder = builder.addString(Attr.Username, auth.username).addString(Attr.Realm, auth.realm).addString(Attr.Nonce, auth.nonce);
  return { transactionId, request: builder.build({ integrityKey: longTermKey(auth.username, auth.realm, auth.password), fingerprint: true }) };
}

/** The error code of a response, or 200 for a success. */
function errorCode(message: StunMessage): number {
  if (message.cls === MessageClass.SuccessResponse) return 200;
  const value = getAttribute(message, Attr.ErrorCode);
  return value === undefined ? 0 : readErrorCode(value).code;
}
