/**
 * Bytes on a TURN/TCP connection that are neither STUN nor ChannelData. The
 * framer throws on them; that throw, inside the socket's 'data' listener,
 * once escaped to the process. Now framing lost means that connection closed.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';

let relay: RelayProcess | undefined;
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});

/** Writes `bytes` on a fresh connection and resolves when the relay closes it. */
function sendAndAwaitClose(port: number, bytes: Buffer): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  socket.once('connect', () => socket.write(bytes));
  return new Promise<void>((resolve) => socket.once('close', () => resolve()));
}

describe('a TCP stream that cannot be framed', () => {
  it('closes that connection alone, counted as unframeable, and the relay serves TCP clients after', async () => {
    relay = await RelayProcess.start({}, { inspect: true });
    const before = await relay.process.snapshot();
    const garbage = [
      // 0xff: the top two bits say neither STUN (00) nor ChannelData (01).
      Buffer.from([0xff, 0xff, 0x00, 0x04, 1, 2, 3, 4]),
      // A STUN header whose length is not a multiple of 4.
      Buffer.from([0x00, 0x01, 0x00, 0x05, 1, 2, 3, 4]),
    ];
    for (let round = 0; round < 50; round++) {
      await Promise.all(garbage.map((bytes) => sendAndAwaitClose(relay!.ports.tcp, bytes)));
    }
    await until(
      async () => (await relay!.metric('vc_turn_connections_closed_total{reason="unframeable"}')) === 100,
      5000,
      '100 closed',
    );
    await relay.assertServes({ transport: 'TCP' });
    expect(await relay.metric('vc_turn_internal_errors_total')).toBe(0);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});
