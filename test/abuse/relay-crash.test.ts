/**
 * Packets that once stopped the relay (and, under `npm start`, the server
 * with it): a client at UDP source port 0, whose answers cannot be sent, and
 * relayed packets to peer port 0, which made a stack trace each. Each attack
 * runs against the relay process; afterwards it must still serve, with its
 * descriptors and heap back where they were and its log quiet.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';
import { sendFromPortZero } from '../helpers/raw-udp.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { buildRequest } from '../../turn/client/index.js';
import { Attr, Method } from '../../turn/codec/constants.js';
import { getAttribute } from '../../turn/codec/message.js';
import { encodeChannelData } from '../../turn/codec/channel-data.js';

let relay: RelayProcess | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await relay?.stop();
  relay = undefined;
});

const PORTS = { relayPortCount: 20 };

describe('a client at UDP source port 0', () => {
  it('gets no allocation from a signed Allocate and CreatePermission, so a peer spraying every relay port finds nothing', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const credentials = relay.credentials('port-zero');

    // Nonces are bound to the client's IP only, so an ordinary socket fetches one for the raw one.
    const fetcher = await TurnTestClient.open(relay.server, credentials);
    closers.push(() => fetcher.close());
    const challenge = await fetcher.request(Method.Allocate, (b) => b.addRequestedTransport(), false);
    const auth = {
      ...credentials,
      realm: getAttribute(challenge, Attr.Realm)!.toString(),
      nonce: getAttribute(challenge, Attr.Nonce)!.toString(),
    };
    const peer = createSocket('udp4');
    closers.push(() => peer.close());
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const allocate = buildRequest(Method.Allocate, (b) => b.addRequestedTransport(), auth).request;
    const permit = buildRequest(
      Method.CreatePermission,
      (b) => b.addXorAddress(Attr.XorPeerAddress, { family: 4, address: '127.0.0.1', port: peer.address().port }),
      auth,
    ).request;

    await sendFromPortZero(relay.server, [allocate, permit]);
    await until(
      async () => (await relay!.metric('vc_turn_dropped_packets_total{reason="source-port-0"}')) >= 2,
      5000,
      'both datagrams dropped',
    );
    expect(await relay.metric('vc_turn_allocations')).toBe(0);

    for (let port = relay.relayPorts.min; port <= relay.relayPorts.max; port++)
      peer.send(Buffer.from('x'), port, '127.0.0.2');
    await relay.assertServes();
    expect(await relay.metric('vc_turn_internal_errors_total')).toBe(0);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});

describe('relayed packets to peer port 0', () => {
  it('drops 20 000 one-byte Send indications and ChannelBind refuses the port, with no log line per packet', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const client = await TurnTestClient.open(relay.server, relay.credentials('sprayer'));
    closers.push(() => client.close());
    expect(errorCode(await client.allocate())).toBe(200);
    const portZero = { family: 4 as const, address: '127.0.0.1', port: 0 };
    expect(errorCode(await client.createPermission(portZero))).toBe(200);
    expect(errorCode(await client.channelBind(0x4000, portZero))).toBe(400);

    // In batches the socket buffers hold; the answer to a Refresh on the same 5-tuple comes after the batch is handled.
    for (let batch = 0; batch < 20; batch++) {
      for (let i = 0; i < 1000; i++) client.send(portZero, Buffer.from([i & 0xff]));
      client.raw(encodeChannelData(0x4000, Buffer.from([batch]), false));
      expect(errorCode(await client.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 600)))).toBe(200);
    }
    expect(await relay.metric('vc_turn_dropped_packets_total{reason="forbidden"}')).toBe(20_000);
    expect(await relay.metric('vc_turn_dropped_packets_total{reason="no-permission"}')).toBe(20);
    expect(await relay.metric('vc_turn_internal_errors_total')).toBe(0);
    expect(errorCode(await client.release())).toBe(200);
    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});
