/**
 * One WebSocket connection: its peer id, its room (once joined), its budgets
 * (frames and bytes, its own and its address's) and its logger. Sending goes
 * through here so a reader that stops reading is cut off instead of growing
 * the server's memory.
 */
import WebSocket from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerMessage } from '../../protocol/signaling.js';
import type { Config } from '../config.js';
import type { ClientAddress } from './addresses.js';
import { ReadThrottle } from './read-throttle.js';
import { TokenBucket } from './token-bucket.js';

export interface SessionInit {
  /** Issued at connect; Sessions.rename replaces it with the previous id when a join resumes. */
  id: string;
  socket: WebSocket;
  log: FastifyBaseLogger;
  /** The Host the client reached us by, for `{host}` in ICE server URLs. */
  host: string;
  /** The budgets this socket shares with the other sockets of its client address. */
  address: ClientAddress;
  config: Pick<Config, 'rateLimitPerSecond' | 'rateLimitBurst' | 'rateLimitBytesPerSecond' | 'rateLimitBytesBurst' | 'maxBufferedBytes'>;
  /** Told each time the socket is paused for being over a byte budget. */
  onPause: () => void;
}

export class Session {
  id: string;
  readonly socket: WebSocket;
  readonly host: string;
  readonly address: ClientAddress;
  /** This socket's own frame budget; its byte budget lives in `throttle`. */
  readonly frames: TokenBucket;
  readonly throttle: ReadThrottle;
  room: string | undefined;
  name = '';
  /** Set by pong or any inbound frame; cleared by each heartbeat tick. */
  alive = true;
  /** Frames refused by the rate limit in the current one-second window. */
  refusedInWindow = 0;
  refusalWindowStart = 0;
  joinTimer: NodeJS.Timeout | undefined;
  /** The socket's logger, bound to its peer id, and to the room while in one. */
  log!: FastifyBaseLogger;
  private readonly connectionLog: FastifyBaseLogger;
  private readonly maxBufferedBytes: number;

  constructor({ id, socket, log, host, address, config, onPause }: SessionInit) {
    this.id = id;
    this.socket = socket;
    this.host = host;
    this.address = address;
    this.connectionLog = log;
    this.maxBufferedBytes = config.maxBufferedBytes;
    this.frames = new TokenBucket(config.rateLimitPerSecond, config.rateLimitBurst);
    const bytes = new TokenBucket(config.rateLimitBytesPerSecond, config.rateLimitBytesBurst);
    this.throttle = new ReadThrottle(socket, [bytes, address.bytes], onPause);
    this.bindLog();
  }

  /** Rebinds the logger after the id or the room changed. */
  bindLog(): void {
    const peerLog = this.connectionLog.child({ peer: this.id });
    this.log = this.room === undefined ? peerLog : peerLog.child({ room: this.room });
  }

  /** False from the moment the server (or the client) starts closing: nothing it sends is acted on. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  sendText(text: string): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      // A close frame would queue behind the unread data, so cut the connection.
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'dropping slow consumer');
      this.socket.terminate();
      return;
    }
    this.socket.send(text);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  clearJoinTimer(): void {
    clearTimeout(this.joinTimer);
    this.joinTimer = undefined;
  }
}
