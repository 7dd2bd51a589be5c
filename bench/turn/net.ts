/** Loopback ports: finding a free one, and knowing when a STUN server answers on one. */
import { Method } from '../../turn/codec/constants.js';
import { StunSession, openTransport } from '../../turn/client/index.js';

export { freeUdpPort } from '../../test/helpers/ports.js';

const PROBE_INTERVAL_MS = 100;

/**
 * Sends STUN Binding requests to 127.0.0.1:`port` until one is answered:
 * the server is listening and serving, not merely started. Gives up after
 * `timeoutMs` or as soon as `alive()` says the process is gone.
 */
export async function waitForStun(port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const transport = await openTransport({ host: '127.0.0.1', port, transport: 'UDP' }, timeoutMs);
  // One transmission per probe: the loop is the retransmission, checking the process between tries.
  const session = new StunSession(transport, { timeoutMs: PROBE_INTERVAL_MS, maxTransmissions: 1 });
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      if (!alive()) throw new Error('the process exited');
      if (performance.now() > deadline) throw new Error(`no STUN answer on port ${port} within ${timeoutMs} ms`);
      const answered = await session
        .request(Method.Binding, (b) => b, false)
        .then(
          () => true,
          () => false,
        );
      if (answered) return;
    }
  } finally {
    session.close();
  }
}
