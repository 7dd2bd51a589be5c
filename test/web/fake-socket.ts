/**
 * A stand-in for the browser's WebSocket, driven by the test as if it were
 * the server: it accepts, delivers frames and drops the connection, and it
 * records what the client sent. Only the client's logic is under test here;
 * the real socket is exercised by the e2e tests.
 */
import type { OpenSocket, SignalingSocket, SocketHandlers } from '../../web/client/browser-socket.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

export class FakeSocket implements SignalingSocket {
  readyState = CONNECTING;
  /** Every frame the client sent, parsed. */
  readonly sent: Array<Record<string, unknown>> = [];
  /** What the client closed the socket with, if it did. */
  closedBy: { code: number | undefined; reason: string | undefined } | undefined;

  constructor(
    readonly url: string,
    private readonly on: SocketHandlers,
  ) {}

  send(text: string): void {
    if (this.readyState !== OPEN) throw new Error('send() on a socket that is not open');
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }

  /** Like a browser's, the close event comes later, not inside close(). */
  close(code?: number, reason?: string): void {
    this.closedBy = { code, reason };
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    queueMicrotask(() => this.on.close(code ?? 1005, reason ?? ''));
  }

  /** The server accepts the connection. */
  accept(): void {
    this.readyState = OPEN;
    this.on.open();
  }

  /** The server sends one message, as JSON unless it is already a frame's raw data. */
  deliver(message: unknown): void {
    this.on.message(typeof message === 'string' ? message : JSON.stringify(message));
  }

  deliverRaw(data: unknown): void {
    this.on.message(data);
  }

  /** The connection ends from the server's side (or the network's). */
  drop(code = 1006, reason = ''): void {
    this.readyState = CLOSED;
    this.on.close(code, reason);
  }

  sentOfType(type: string): Array<Record<string, unknown>> {
    return this.sent.filter((message) => message.type === type);
  }
}

/** A socket factory for SignalingOptions.socket that keeps every socket it opened. */
export function fakeSockets(): { open: OpenSocket; sockets: FakeSocket[]; last(): FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    open: (url, on) => {
      const socket = new FakeSocket(url, on);
      sockets.push(socket);
      return socket;
    },
    sockets,
    last: () => {
      const socket = sockets.at(-1);
      if (socket === undefined) throw new Error('no socket was opened');
      return socket;
    },
  };
}
