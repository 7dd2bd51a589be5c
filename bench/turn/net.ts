/** Loopback ports: finding a free one, and knowing when a STUN server answers on one. */
import { createSocket } from 'node:dgram';
import { MessageClass, Method } from '../../turn/codec/constants.js';
import { MessageBuilder, randomTransactionId } from '../../turn/codec/message.js';

export { freeUdpPort } from '../../test/helpers/ports.js';

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
  const request = new MessageBuilder(Method.Binding, MessageClass.Request, randomTransactionId()).build();
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
