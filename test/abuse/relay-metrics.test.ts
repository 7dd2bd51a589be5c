/**
 * The relay's metrics port under a connection flood past the open-file limit.
 * libuv answers an accept that fails with EMFILE by accepting and closing what
 * waits (its reserved-descriptor trick), so the flood costs connections, not
 * the process; other accept failures reach the listener as an 'error', which
 * test/unit/turn-metrics.test.ts feeds it.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';

let relay: RelayProcess | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await relay?.stop();
  relay = undefined;
});

/** Connects; resolves once connected, or once the relay closed it. The socket stays open until the test ends. */
function open(port: number): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => undefined);
  return new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', () => resolve());
  });
}

describe('the metrics port', () => {
  it('keeps the relay up through a connection flood three times its open-file limit, and answers again after', async () => {
    const limit = 64;
    relay = await RelayProcess.start({}, { openFileLimit: limit });
    for (let i = 0; i < 3 * limit; i++) await open(relay.ports.metrics);
    const closedByRelay = sockets.filter((socket) => socket.destroyed || socket.readableEnded).length;
    expect(relay.process.alive).toBe(true);

    for (const socket of sockets.splice(0)) socket.destroy();
    await until(() => relay!.process.descriptors() < limit - 8, 5000, 'the flood’s descriptors released');
    expect(await relay.metric('vc_turn_internal_errors_total')).toBe(0);
    await relay.assertServes();
    // The flood did pass the limit: the relay could not hold every connection.
    expect(closedByRelay).toBeGreaterThan(0);
  });
});
