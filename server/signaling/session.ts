/**
 * One WebSocket connection: its peer id, its room (once joined), its rate
 * bucket and its logger. Sending goes through here so a reader that stops
 * reading is cut off instead of growing the server's memory.
 */
import WebSocket from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import type { ServerMessage } from '../../protocol/signaling.js';
import type { TokenBucket } from './token-bucket.js';

export class Session {
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

  constructor(
    /** Issued at connect; Sessions.rename replaces it with the previous id when a join resumes. */
    public id: string,
    readonly socket: WebSocket,
    private readonly connectionLog: FastifyBaseLogger,
    readonly bucket: TokenBucket,
    private readonly maxBufferedBytes: number,
    /** The Host the client reached us by, for `{host}` in ICE server URLs. */
    readonly host: string,
  ) {
    this.bindLog();
  }

  /** Rebinds the logger after the id or the room changed. */
  bindLog(): void {
    const peerLog = this.connectionLog.child({ peer: this.id });
    this.log = this.room === undefined ? peerLog : peerLog.child({ room: this.room });
  }

  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  sendText(text: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
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
