/**
 * A signaling client for tests: a real `ws` socket that queues every frame
 * it receives, so a test can await the next one (optionally of one type) or
 * prove that nothing arrived.
 */
import WebSocket from 'ws';
import type { ServerMessage } from '../../protocol/signaling.js';

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export class TestClient {
  readonly received: ServerMessage[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Connects (with `options`, e.g. a `localAddress`) and joins `room`; resolves with the welcome. */
  static async joined(
    url: string,
    room: string,
    name?: string,
    options: WebSocket.ClientOptions = {},
  ): Promise<{ client: TestClient; welcome: Of<'welcome'> }> {
    const client = await TestClient.connect(url, options);
    client.send({ type: 'join', room, ...(name === undefined ? {} : { name }) });
    return { client, welcome: await client.next('welcome') };
  }

  /**
   * Connects and sends a `join` with `fields` (a token, a resume token, …);
   * its answer (welcome, lobby, error) is left to the caller.
   */
  static async joining(
    url: string,
    fields: { room: string } & Record<string, unknown>,
    options: WebSocket.ClientOptions = {},
  ): Promise<TestClient> {
    const client = await TestClient.connect(url, options);
    client.send({ type: 'join', ...fields });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next frame (of `type`, skipping others), waiting up to `timeoutMs`. */
  async next<T extends ServerMessage['type']>(type?: T, timeoutMs = 3000): Promise<Of<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.received.findIndex((message) => type === undefined || message.type === type);
      if (index >= 0) return this.received.splice(index, 1)[0] as Of<T>;
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(`no ${type ?? 'frame'} within ${timeoutMs} ms; have ${JSON.stringify(this.received)}`);
      }
      await this.frameOrTimeout(left);
    }
  }

  private frameOrTimeout(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The next `error` frame, asserting nothing but errors is skipped. */
  async nextError(timeoutMs = 3000): Promise<Of<'error'>> {
    return this.next('error', timeoutMs);
  }

  /**
   * Proves nothing is pending for this client: frames on one socket arrive in
   * order, so once the answer to a fresh request is here, anything the server
   * sent before it is here too. Throws if anything else arrived.
   */
  async expectNothingPending(): Promise<void> {
    this.send({ type: 'ice-servers' });
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const index = this.received.findIndex(
        (m) => m.type === 'ice-servers' || (m.type === 'error' && m.code === 'not-joined'),
      );
      if (index >= 0) {
        this.received.splice(index, 1);
        if (this.received.length > 0) throw new Error(`unexpected frames: ${JSON.stringify(this.received)}`);
        return;
      }
      await this.frameOrTimeout(deadline - Date.now());
    }
    throw new Error('no answer to the sync request');
  }

  close(): void {
    this.socket.close();
  }

  terminate(): void {
    this.socket.terminate();
  }
}
