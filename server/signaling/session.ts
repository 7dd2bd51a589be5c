/**
 * One WebSocket connection: its peer id, its room (once joined), its rate
 * bucket and its logger. Sending goes through here so a reader that stops
 * reading is cut off instead of growing the server's memory.
 */
import WebSocket from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerMessage } from '../../protocol/signaling.js';
import { CloseCode } from '../../protocol/close-codes.js';
import type { TokenBucket } from './token-bucket.js';

export class Session {
  room: string | undefined;
  name = '';
  /** Set by pong or any inbound frame; cleared by each heartbeat tick. */
  alive = true;
  /** Frames refused in a row by the rate limit. */
  refusedInARow = 0;
  joinTimer: NodeJS.Timeout | undefined;
  /** The socket's logger, bound to the room while in one. */
  log: FastifyBaseLogger;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    readonly baseLog: FastifyBaseLogger,
    readonly bucket: TokenBucket,
    private readonly maxBufferedBytes: number,
  ) {
    this.log = baseLog;
  }

  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  sendText(text: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'closing slow consumer');
      this.close(CloseCode.SlowConsumer, 'send buffer full');
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
