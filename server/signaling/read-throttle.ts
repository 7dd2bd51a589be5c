/**
 * Read backpressure. Every chunk a socket's connection delivers is charged,
 * before the WebSocket layer has decoded it, to the socket's byte budget and
 * to its address's; while either is in debt the socket is paused. A paused
 * socket is not read at all: the kernel's buffer fills, TCP closes its
 * window, and a sender over its budget costs nothing until the debt has
 * been repaid at the budget's rate. Frames are never dropped for bytes;
 * they only wait.
 */
import type WebSocket from 'ws';
import type { TokenBucket } from './token-bucket.js';

export class ReadThrottle {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly budgets: readonly TokenBucket[],
    private readonly onPause: () => void,
  ) {}

  /** Charges `bytes` just read; pauses reading while a budget is in debt. */
  charge(bytes: number): void {
    for (const budget of this.budgets) budget.charge(bytes);
    if (this.timer === undefined && !this.stopped) this.check();
  }

  /** True while reading is paused; a paused socket cannot answer pings, and need not. */
  get paused(): boolean {
    return this.timer !== undefined;
  }

  /** Called when the socket closes; what it still delivers is charged, but nothing waits on it. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Pauses until every budget is out of debt; other sockets of the address may have added to it meanwhile. */
  private check(): void {
    const wait = Math.max(...this.budgets.map((budget) => budget.msUntilRepaid()));
    if (wait === 0) {
      if (this.timer !== undefined) {
        this.timer = undefined;
        this.socket.resume();
      }
      return;
    }
    if (this.timer === undefined) {
      this.socket.pause();
      this.onPause();
    }
    this.timer = setTimeout(() => this.check(), wait);
  }
}
