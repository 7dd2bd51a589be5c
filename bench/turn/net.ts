/** Loopback ports: finding a free one, and knowing when a STUN server answers on one. */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

/** A UDP port free on 127.0.0.1 right now, for servers that must be told their port in advance. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

const BINDING_REQUEST = 0x0001;
const MAGIC_COOKIE = 0x2112a442;
const PROBE_INTERVAL_MS = 100;

/**
 * Sends STUN Binding requests to 127.0.0.1:`port` until one is answered:
 * the server is listening and serving, not merely started. Gives up after
 * `timeoutMs` or as soon as `alive()` says the process is gone.
 */
export async function waitForStun(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const socket = createSocket('udp4');
  const answered = new Promise<void>((resolve) => socket.once('message', () => resolve()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const request = Buffer.alloc(20);
  request.writeUInt16BE(BINDING_REQUEST, 0);
  request.writeUInt32BE(MAGIC_COOKIE, 4);
  randomBytes(12).copy(request, 8);
  const deadline = performance.now() + timeoutMs;
  let done = false;
  void answered.then(() => (done = true));
  try {
    while (!done) {
      if (!alive()) throw new Error('the process exited');
      if (performance.now() > deadline) throw new Error(`no STUN answer on port ${port} within ${timeoutMs} ms`);
      socket.send(request, port, '127.0.0.1');
      await Promise.race([answered, new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS))]);
    }
  } finally {
    socket.close();
  }
}
