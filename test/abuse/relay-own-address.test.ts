/**
 * The relay's own address once let clients reach any port in the relay range
 * that was not an allocation: a service listening on 0.0.0.0:60500 received
 * both Send and ChannelData payloads. Now only live allocations of this
 * relay are reachable there, and those in process, never over the wire.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { Attr } from '../../turn/codec/constants.js';
import { getAttribute } from '../../turn/codec/message.js';
import { encodeChannelData } from '../../turn/codec/channel-data.js';

let relay: RelayProcess | undefined;
const closers: Array<() => void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await relay?.stop();
  relay = undefined;
});

describe("the relay's own address", () => {
  it('reaches no port there but live allocations, even one inside the relay range', async () => {
    relay = await RelayProcess.start({}, { relayPortCount: 41, inspect: true });
    // A service on every address, in the middle of the relay range (as the ephemeral range overlaps it by default).
    const servicePort = relay.relayPorts.min + 20;
    const service = createSocket('udp4');
    closers.push(() => service.close());
    const received: string[] = [];
    service.on('message', (data) => received.push(data.toString()));
    await new Promise<void>((resolve) => service.bind(servicePort, '0.0.0.0', resolve));
    const before = await relay.process.snapshot();

    const attacker = await TurnTestClient.open(relay.server, relay.credentials('prober'));
    closers.push(() => attacker.close());
    const attackerRelayed = attacker.relayedAddress(await attacker.allocate());
    const ownAddress = { family: 4 as const, address: '127.0.0.2', port: servicePort };
    // A permission is by address only, and the relay's own address is where other clients' relay candidates live.
    expect(errorCode(await attacker.createPermission(ownAddress))).toBe(200);
    expect(errorCode(await attacker.channelBind(0x4000, ownAddress))).toBe(403);
    for (let i = 0; i < 10; i++) attacker.send(ownAddress, Buffer.from(`probe ${i}`));
    // The service also listens on 127.0.0.1, an allowed peer here: datagrams reach one socket in the order the relay
    // sent them.
    const marker = { family: 4 as const, address: '127.0.0.1', port: servicePort };
    expect(errorCode(await attacker.createPermission(marker))).toBe(200);
    attacker.send(marker, Buffer.from('marker'));
    await until(() => received.length > 0, 3000, 'the marker to arrive');
    expect(received).toEqual(['marker']);
    expect(await relay.metric('vc_turn_dropped_packets_total{reason="forbidden"}')).toBe(10);

    // Another client's allocation on that address is still reachable, by Send and over a channel.
    const other = await TurnTestClient.open(relay.server, relay.credentials('callee'));
    closers.push(() => other.close());
    const otherRelayed = other.relayedAddress(await other.allocate());
    expect(errorCode(await other.createPermission(attackerRelayed))).toBe(200);
    expect(errorCode(await attacker.channelBind(0x4001, otherRelayed))).toBe(200);
    attacker.send(otherRelayed, Buffer.from('by send'));
    attacker.raw(encodeChannelData(0x4001, Buffer.from('by channel'), false));
    await until(() => other.indications.length === 2, 3000, 'both relayed datagrams to arrive');
    expect(other.indications.map((data) => getAttribute(data, Attr.Data)?.toString())).toEqual([
      'by send',
      'by channel',
    ]);

    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});
