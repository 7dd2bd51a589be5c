/**
 * STUN transactions over one transport (RFC 8489 §6.2): a fresh transaction
 * id per request, answers matched by it, UDP requests retransmitted at RTO,
 * 2×RTO, 4×RTO… up to a bounded count, a stream request sent once, and
 * every waiting request settled by its answer, its deadline or close().
 * request() answers one 401/438 challenge with long-term credentials.
 */
import { Attr, MAX_STRING_BYTES, MessageClass } from '../codec/constants.js';
import {
  MessageBuilder,
  getAttribute,
  isStunMessage,
  parseMessage,
  randomTransactionId,
  type StunMessage,
} from '../codec/message.js';
import { isChannelData, parseChannelData } from '../codec/channel-data.js';
import { readString } from '../codec/attributes.js';
import { longTermKey } from '../codec/integrity.js';
import { ClientClosedError, NoAnswerError, methodName, responseCode } from './errors.js';
import type { FrameTransport } from './transport.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface SessionOptions {
  /** Long-term credentials for the 401/438 challenge; without them challenges are returned as they are. */
  credentials?: Credentials;
  /** How long a transaction waits for its answer, retransmissions included (ms). */
  timeoutMs?: number;
  /** UDP: the wait before the first retransmission, doubled after each (RFC 8489 §6.2.1). */
  rtoMs?: number;
  /** UDP: transmissions in all, the first one included (RFC 8489's Rc). */
  maxTransmissions?: number;
}

export type AddAttributes = (builder: MessageBuilder) => MessageBuilder;

/** What a signed request carries: the credentials, and the realm and nonce of the server's challenge. */
export interface LongTermAuth extends Credentials {
  realm: string;
  nonce: string;
}

/** A request with a fresh transaction id and FINGERPRINT, signed (RFC 8489 §9.2.4) when given `auth`. */
export function buildRequest(
  method: number,
  add: AddAttributes,
  auth?: LongTermAuth,
): { transactionId: Buffer; request: Buffer } {
  const transactionId = randomTransactionId();
  const builder = add(new MessageBuilder(method, MessageClass.Request, transactionId));
  if (auth === undefined) return { transactionId, request: builder.build({ fingerprint: true }) };
  const { username, password, realm, nonce } = auth;
  const request = builder
    .addString(Attr.Username, username)
    .addString(Attr.Realm, realm)
    .addString(Attr.Nonce, nonce)
    .build({ integrityKey: longTermKey(username, realm, password), fingerprint: true });
  return { transactionId, request };
}

const DEFAULTS = { timeoutMs: 5000, rtoMs: 500, maxTransmissions: 7 };

interface Waiter {
  resolve(message: StunMessage): void;
  reject(error: Error): void;
}

export class StunSession {
  /** The realm and nonce of the last challenge: requests are signed with them until the next one. */
  realm = '';
  nonce = '';
  private readonly options: typeof DEFAULTS;
  private readonly waiters = new Map<string, Waiter>();
  private readonly indicationListeners: Array<(message: StunMessage) => void> = [];
  private readonly channelListeners: Array<(channel: number, data: Buffer) => void> = [];
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  constructor(
    readonly transport: FrameTransport,
    private readonly settings: SessionOptions = {},
  ) {
    this.options = {
      timeoutMs: settings.timeoutMs ?? DEFAULTS.timeoutMs,
      rtoMs: settings.rtoMs ?? DEFAULTS.rtoMs,
      maxTransmissions: settings.maxTransmissions ?? DEFAULTS.maxTransmissions,
    };
    transport.onFrame((frame) => this.receive(frame));
    transport.onClose(() => this.shut('the connection closed'));
  }

  /**
   * Sends a request, signed once a nonce is known, and answers one 401 or
   * 438 that carries a nonce by signing a new transaction with it. Resolves
   * with the final response, success or error.
   */
  async request(method: number, add: AddAttributes = (b) => b, authenticate = true): Promise<StunMessage> {
    const response = await this.exchange(method, add, authenticate && this.nonce !== '');
    const code = responseCode(response);
    const nonce = getAttribute(response, Attr.Nonce);
    const challenged = (code === 401 || code === 438) && nonce !== undefined;
    if (!authenticate || this.settings.credentials === undefined || !challenged) return response;
    this.realm = readString(getAttribute(response, Attr.Realm) ?? Buffer.alloc(0), MAX_STRING_BYTES);
    this.nonce = readString(nonce, MAX_STRING_BYTES);
    return this.exchange(method, add, true);
  }

  /** One transaction: no challenge answered. `signed` uses the credentials with the current realm and nonce. */
  exchange(method: number, add: AddAttributes, signed: boolean): Promise<StunMessage> {
    if (this.closed) return Promise.reject(new ClientClosedError('the client is closed'));
    const { credentials } = this.settings;
    const { realm, nonce } = this;
    const auth = signed && credentials !== undefined ? { ...credentials, realm, nonce } : undefined;
    const { transactionId, request } = buildRequest(method, add, auth);
    const id = transactionId.toString('hex');
    return new Promise<StunMessage>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const settle = () => {
        timers.forEach(clearTimeout);
        this.waiters.delete(id);
      };
      this.waiters.set(id, {
        resolve: (message) => {
          settle();
          resolve(message);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      const { timeoutMs } = this.options;
      const what = `${methodName(method)} over ${this.transport.kind}`;
      const expire = () => {
        this.waiters.get(id)?.reject(new NoAnswerError(`no answer to ${what} within ${timeoutMs} ms`));
      };
      timers.push(setTimeout(expire, timeoutMs));
      for (const at of this.retransmissionTimes()) timers.push(setTimeout(() => this.transmit(request), at));
      this.transmit(request, (error) => this.waiters.get(id)?.reject(error));
    });
  }

  onIndication(listener: (message: StunMessage) => void): void {
    this.indicationListeners.push(listener);
  }

  onChannelData(listener: (channel: number, data: Buffer) => void): void {
    this.channelListeners.push(listener);
  }

  /** Called once, when close() is called or the connection ends (now, if it has). Returns the unsubscribe. */
  onClose(listener: () => void): () => void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Sends a frame as it is: an indication, ChannelData, or bytes a test wants the server to see. */
  sendRaw(frame: Buffer): void {
    this.transport.send(frame);
  }

  close(): void {
    if (this.closed) return;
    this.shut('closed while waiting for an answer');
    this.transport.close();
  }

  /** Offsets of the retransmissions from the first send: streams are reliable, so none there. */
  private retransmissionTimes(): number[] {
    if (this.transport.kind !== 'UDP') return [];
    const { rtoMs, maxTransmissions, timeoutMs } = this.options;
    const times: number[] = [];
    for (let at = rtoMs, rto = rtoMs; times.length < maxTransmissions - 1 && at < timeoutMs; rto *= 2, at += rto) {
      times.push(at);
    }
    return times;
  }

  /** A send that throws (the socket went away) fails the request now, or leaves a retransmission to the deadline. */
  private transmit(request: Buffer, failed: (error: Error) => void = () => undefined): void {
    try {
      this.transport.send(request);
    } catch (error) {
      failed(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private receive(frame: Buffer): void {
    if (isChannelData(frame)) {
      let parsed: ReturnType<typeof parseChannelData>;
      try {
        parsed = parseChannelData(frame);
      } catch {
        return;
      }
      for (const listener of this.channelListeners) listener(parsed.channel, parsed.data);
      return;
    }
    if (!isStunMessage(frame)) return;
    let message: StunMessage;
    try {
      message = parseMessage(Buffer.from(frame));
    } catch {
      return;
    }
    if (message.cls === MessageClass.Indication) {
      for (const listener of this.indicationListeners) listener(message);
    } else if (message.cls !== MessageClass.Request) {
      this.waiters.get(message.transactionId.toString('hex'))?.resolve(message);
    }
  }

  private shut(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of [...this.waiters.values()]) waiter.reject(new ClientClosedError(why));
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) listener();
  }
}
