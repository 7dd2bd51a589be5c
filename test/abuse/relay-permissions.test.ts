/**
 * One allocation once took 4.13 M permissions in 44.5 s and the relay's
 * memory from 197 to 723 MiB; under a 192 MiB heap it died. Permissions and
 * channel bindings are now capped per allocation and in total (508 beyond),
 * and given back when their allocation ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess } from '../helpers/relay-process.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { Attr, Method } from '../../turn/codec/constants.js';
import type { MessageBuilder } from '../../turn/codec/message.js';

let relay: RelayProcess | undefined;
const clients: TurnTestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await relay?.stop();
  relay = undefined;
});

const PORTS = { relayPortCount: 400 };

async function allocated(user: string): Promise<TurnTestClient> {
  const client = await TurnTestClient.open(relay!.server, relay!.credentials(user));
  clients.push(client);
  expect(errorCode(await client.allocate())).toBe(200);
  return client;
}

/** Public addresses (allowed peers; a permission sends nothing): the n-th of a run. */
const peer = (n: number) => ({
  family: 4 as const,
  address: `8.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
  port: 9,
});

/**
 * One CreatePermission carrying `count` peer addresses from `first` on (at most 59: a message holds 64 attributes, 5 of
 * them for auth).
 */
function permitMany(client: TurnTestClient, first: number, count: number) {
  return client.request(Method.CreatePermission, (b) => {
    let builder: MessageBuilder = b;
    for (let i = 0; i < count; i++) builder = builder.addXorAddress(Attr.XorPeerAddress, peer(first + i));
    return builder;
  });
}

describe('permissions and channels per allocation', () => {
  it('grants 128 permissions, answers 508 beyond them all or nothing, and keeps refreshing the ones it has', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const client = await allocated('hoarder');
    expect(errorCode(await permitMany(client, 0, 50))).toBe(200);
    expect(errorCode(await permitMany(client, 50, 50))).toBe(200);
    // 100 held: 28 more fit, 29 do not, and a refused request installs none of its peers.
    expect(errorCode(await permitMany(client, 100, 29))).toBe(508);
    expect(await relay.metric('vc_turn_permissions')).toBe(100);
    expect(errorCode(await permitMany(client, 100, 28))).toBe(200);
    expect(errorCode(await permitMany(client, 128, 1))).toBe(508);
    expect(errorCode(await permitMany(client, 0, 50))).toBe(200);
    expect(await relay.metric('vc_turn_permissions')).toBe(128);
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="permissions"}')).toBe(2);
    await relay.assertServes();
    expect(errorCode(await client.release())).toBe(200);
    expect(await relay.metric('vc_turn_permissions')).toBe(0);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('binds 128 channels and answers 508 beyond them', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const client = await allocated('binder');
    const codes: number[] = [];
    for (let i = 0; i < 130; i++) codes.push(errorCode(await client.channelBind(0x4000 + i, peer(i))));
    expect(codes.slice(0, 128).every((code) => code === 200)).toBe(true);
    expect(codes.slice(128)).toEqual([508, 508]);
    expect(await relay.metric('vc_turn_channels')).toBe(128);
    expect(errorCode(await client.channelBind(0x4000, peer(0)))).toBe(200);
    expect(errorCode(await client.release())).toBe(200);
    expect(await relay.metric('vc_turn_channels')).toBe(0);
    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});

describe('permissions in total', () => {
  it('shares TURN_MAX_PERMISSIONS among allocations, and a deleted allocation gives its share back', async () => {
    relay = await RelayProcess.start({ TURN_MAX_PERMISSIONS: '200' }, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const first = await allocated('first');
    const second = await allocated('second');
    for (const [from, count] of [
      [0, 50],
      [50, 50],
      [100, 20],
    ] as const)
      expect(errorCode(await permitMany(first, from, count))).toBe(200);
    expect(errorCode(await permitMany(second, 0, 50))).toBe(200);
    expect(errorCode(await permitMany(second, 50, 40))).toBe(508);
    expect(errorCode(await permitMany(second, 50, 30))).toBe(200);
    expect(await relay.metric('vc_turn_permissions')).toBe(200);
    expect(errorCode(await first.release())).toBe(200);
    expect(errorCode(await permitMany(second, 80, 40))).toBe(200);
    expect(await relay.metric('vc_turn_permissions')).toBe(120);
    await relay.assertServes();
    expect(errorCode(await second.release())).toBe(200);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('shares TURN_MAX_CHANNELS among allocations the same way', async () => {
    relay = await RelayProcess.start({ TURN_MAX_CHANNELS: '10' }, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const first = await allocated('first-binder');
    const second = await allocated('second-binder');
    for (let i = 0; i < 6; i++) expect(errorCode(await first.channelBind(0x4000 + i, peer(i)))).toBe(200);
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push(errorCode(await second.channelBind(0x4000 + i, peer(100 + i))));
    expect(codes).toEqual([200, 200, 200, 200, 508]);
    expect(await relay.metric('vc_turn_channels')).toBe(10);
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="channels"}')).toBe(1);
    expect(errorCode(await first.release())).toBe(200);
    expect(errorCode(await second.channelBind(0x4004, peer(104)))).toBe(200);
    expect(errorCode(await second.release())).toBe(200);
    expect(await relay.metric('vc_turn_channels')).toBe(0);
    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('holds 118 of every 147 500 permissions 100 allocations ask for, so the heap barely grows', async () => {
    relay = await RelayProcess.start({ TURN_MAX_ALLOCATIONS_PER_ADDRESS: '200' }, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const flooders: TurnTestClient[] = [];
    for (let i = 0; i < 100; i++) flooders.push(await allocated(`flooder-${i}`));
    let refused = 0;
    for (let round = 0; round < 25; round++) {
      const answers = await Promise.all(flooders.map((client, i) => permitMany(client, (round * 100 + i) * 59, 59)));
      refused += answers.filter((answer) => errorCode(answer) === 508).length;
    }
    // Two requests fit in 128 per allocation; the per-allocation cap binds long before the total (100 000).
    expect(await relay.metric('vc_turn_permissions')).toBe(100 * 118);
    expect(refused).toBe(100 * 23);
    // With the caps raised out of the way, the same flood left 13 MiB more heap after GC (93 bytes a permission).
    expect(await relay.process.heapAfterGc()).toBeLessThan(before.heap + 6 * 1024 * 1024);
    await relay.assertServes();
    for (const client of flooders) expect(errorCode(await client.release())).toBe(200);
    expect(await relay.metric('vc_turn_permissions')).toBe(0);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});
