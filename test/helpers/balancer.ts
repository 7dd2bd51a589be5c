/**
 * A TCP round-robin load balancer on loopback: test infrastructure standing
 * in for the proxy in front of a shared-mode deployment, not product code.
 * Each accepted connection goes to the next backend; a backend that refuses
 * the connection (a killed or drained node) is skipped, each at most once,
 * so a client reconnecting after its node died lands on a live one. Bytes
 * are piped, so a slow side holds the other back instead of filling memory.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface Balancer {
  port: number;
  wsUrl: string;
  httpUrl: string;
  close(): Promise<void>;
  /** which backend port each accepted connection went to, in order */
  readonly routed: number[];
}

/** `backends` is asked at each connection, so a test can change the list as nodes come and go. */
export async function startBalancer(backends: () => number[]): Promise<Balancer> {
  const sockets = new Set<Socket>();
  const routed: number[] = [];
  let next = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const server = createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    // Hold what the client sends until a backend is chosen.
    client.pause();
    const ports = backends();
    const first = ports.length === 0 ? 0 : next++ % ports.length;
    const tryBackend = (attempt: number) => {
      if (attempt >= ports.length || client.destroyed) {
        client.destroy();
        return;
      }
      const port = ports[(first + attempt) % ports.length]!;
      const backend = connect({ host: '127.0.0.1', port });
      track(backend);
      let connected = false;
      backend.once('connect', () => {
        connected = true;
        routed.push(port);
        client.pipe(backend);
        backend.pipe(client);
        client.resume();
        client.once('close', () => backend.destroy());
        backend.once('close', () => client.destroy());
      });
      backend.on('error', () => {
        if (connected) client.destroy();
        else tryBackend(attempt + 1);
        backend.destroy();
      });
    };
    tryBackend(0);
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
      else resolve(address.port);
    });
  });
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    routed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
