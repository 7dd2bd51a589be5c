/**
 * The IPv6 deny list over the wire: an IPv6 allocation asks for permissions
 * and channels to loopback, link-local, unique-local, multicast, the
 * IPv4-mapped, NAT64, IPv4-compatible and 6to4 forms of denied IPv4
 * addresses, Teredo, the discard prefix, documentation, and every IPv6
 * address of this machine, and gets 403 for each, counted as
 * forbidden-peer. A global address gets its permission and channel. Nothing
 * is sent to any peer: permissions and channels alone are asked for.
 *
 * The relay process binds its IPv6 relay sockets to :: and advertises
 * 2001:db8::10, so that ::1 is a local address like any other here, not the
 * relay's own.
 */
import { networkInterfaces } from 'node:os';
import { isIPv6 } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayProcess } from '../helpers/relay-process.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { Attr } from '../../turn/codec/constants.js';
import { requestedFamily } from '../../turn/client/index.js';
import type { TransportAddress } from '../../turn/codec/address.js';

const ADVERTISED6 = '2001:db8::10';

/** Every IPv6 address of this machine (::1 among them), as the relay sees them. */
const machine = Object.values(networkInterfaces())
  .flat()
  .map((entry) => entry?.address)
  .filter((address): address is string => address !== undefined && isIPv6(address));

const PROBES = [
  '::1',
  '::',
  'fe80::1',
  'fd00::1',
  'fc00::1',
  'ff02::1',
  'ff0e::1',
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '64:ff9b::a00:1',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b:1::a00:1',
  '::7f00:1',
  '2002:a00:1::1',
  '2002:7f00:1::1',
  '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  '100::1',
  '2001:db8::1',
  ...machine,
];

let relay: RelayProcess;
let client: TurnTestClient;
beforeAll(async () => {
  // No allow list: the lab's 127.0.0.1 would open ::ffff:127.0.0.1 too.
  relay = await RelayProcess.start({
    TURN_RELAY_ADDRESS6: '::',
    TURN_EXTERNAL_IP6: ADVERTISED6,
    TURN_ALLOWED_PEERS: '',
  });
  client = await TurnTestClient.open({ address: '::1', port: relay.ports.udp }, relay.credentials('prober'), '::1');
  const allocated = await client.allocate((b) => b.add(Attr.RequestedAddressFamily, requestedFamily(6)));
  expect(errorCode(allocated)).toBe(200);
  expect(client.relayedAddress(allocated)).toMatchObject({ family: 6, address: ADVERTISED6 });
});
afterAll(async () => {
  client?.close();
  await relay?.stop();
});

const at = (address: string): TransportAddress => ({ family: 6, address, port: 3478 });

describe('the IPv6 deny list, over the wire', () => {
  it(`refuses CreatePermission and ChannelBind to ${PROBES.length} IPv6 peers (these and the machine's own: ${machine.join(', ')}) with 403`, async () => {
    const before = await relay.metric('vc_turn_dropped_packets_total{reason="forbidden-peer"}');
    const answers: Record<string, [number, number]> = {};
    let channel = 0x4000;
    for (const address of PROBES) {
      answers[address] = [
        errorCode(await client.createPermission(at(address))),
        errorCode(await client.channelBind(channel++, at(address))),
      ];
    }
    expect(answers).toEqual(Object.fromEntries(PROBES.map((address) => [address, [403, 403]])));
    expect(await relay.metric('vc_turn_dropped_packets_total{reason="forbidden-peer"}')).toBe(
      before + 2 * PROBES.length,
    );
  });

  it('grants a global IPv6 peer its permission and channel', async () => {
    const allowed = at('2a00:1450:4001::1');
    expect(errorCode(await client.createPermission(allowed))).toBe(200);
    expect(errorCode(await client.channelBind(0x7000, allowed))).toBe(200);
  });

  it('lets a permission to its own advertised IPv6 address through, but no channel to a port there that is no allocation', async () => {
    const own = { family: 6 as const, address: ADVERTISED6, port: relay.relayPorts.min };
    expect(errorCode(await client.createPermission(own))).toBe(200);
    expect(errorCode(await client.channelBind(0x7001, own))).toBe(403);
  });
});
