/**
 * The relay's metrics port under a connection flood past the open-file limit.
 * libuv answers an accept that fails with EMFILE by accepting and closing what
 * waits (its reserved-descriptor trick), so the flood costs connections, not
 * the process; other accept failures reach the listener as an 'error', which
 * test/unit/turn-metrics.test.ts feeds it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';
import { TcpConnections } from '../helpers/tcp-connections.js';

let relay: RelayProcess | undefined;
const connections = new TcpConnections();
afterEach(async () => {
  connections.destroyAll();
  await relay?.stop();
  relay = undefined;
});

describe('the metrics port', () => {
  it('keeps the relay up through a connection flood three times its open-file limit, and answers again after', async () => {
    const limit = 64;
    relay = await RelayProcess.start({}, { openFileLimit: limit });
    const flood = [];
    for (let i = 0; i < 3 * limit; i++) flood.push(await connections.open(relay.ports.metrics));
    const closedByRelay = flood.filter(({ socket }) => socket.destroyed || socket.readableEnded).length;
    expect(relay.process.alive).toBe(true);

    connections.destroyAll();
    await until(() => relay!.process.descriptors() < limit - 8, 5000, 'the flood’s descriptors released');
    expect(await relay.metric('vc_turn_internal_errors_total')).toBe(0);
    await relay.assertServes();
    // The flood did pass the limit: the relay could not hold every connection.
    expect(closedByRelay).toBeGreaterThan(0);
  });
});
