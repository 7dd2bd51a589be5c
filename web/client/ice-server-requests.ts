/**
 * The client's open `ice-servers` requests. Each one settles: with the next
 * `ice-servers` message, or with an error when no answer comes in time, when
 * the socket it was sent on closes, or when the client stops. A caller that
 * waits for fresh servers (an ICE restart) is never left waiting on a socket
 * that is gone.
 */
import type { IceServer } from '../../protocol/ice.js';

interface Request {
  resolve(servers: IceServer[]): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class IceServerRequests {
  private readonly open = new Set<Request>();

  constructor(private readonly timeoutMs: number) {}

  /** A request whose frame `send` puts on the wire. */
  add(send: () => void): Promise<IceServer[]> {
    return new Promise((resolve, reject) => {
      const request: Request = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.open.delete(request);
          reject(new Error(`no ice-servers answer within ${this.timeoutMs} ms`));
        }, this.timeoutMs),
      };
      this.open.add(request);
      send();
    });
  }

  resolveAll(servers: IceServer[]): void {
    for (const request of this.settleAll()) request.resolve(servers);
  }

  rejectAll(reason: string): void {
    for (const request of this.settleAll()) request.reject(new Error(reason));
  }

  private settleAll(): Request[] {
    const requests = [...this.open];
    this.open.clear();
    for (const request of requests) clearTimeout(request.timer);
    return requests;
  }
}
