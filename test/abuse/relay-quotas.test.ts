/**
 * One address once filled the whole relay (1000 allocations in 1.4 s, then
 * 486 for everyone), and EVEN-PORT reservations sat outside every quota
 * (300 reserve-and-delete cycles left 300 descriptors behind). Allocations
 * and reservations now count alike against the total, the user and the
 * client address, and a reservation ends with the allocation that made it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess } from '../helpers/relay-process.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { Attr } from '../../turn/codec/constants.js';
import { getAttribute } from '../../turn/codec/message.js';

let relay: RelayProcess | undefined;
const clients: TurnTestClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await relay?.stop();
  relay = undefined;
});

const PORTS = { relayPortCount: 200 };

async function client(user: string, localAddress = '127.0.0.1'): Promise<TurnTestClient> {
  const opened = await TurnTestClient.open(relay!.server, relay!.credentials(user), localAddress);
  clients.push(opened);
  return opened;
}

describe('allocations per client address', () => {
  it('refuses one address beyond TURN_MAX_ALLOCATIONS_PER_ADDRESS with 486, whatever users it claims, while others allocate', async () => {
    relay = await RelayProcess.start({ TURN_MAX_ALLOCATIONS_PER_ADDRESS: '20' }, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const codes: number[] = [];
    for (let i = 0; i < 100; i++) codes.push(errorCode(await (await client(`greedy-${i}`)).allocate()));
    expect(codes.filter((code) => code === 200)).toHaveLength(20);
    expect(codes.slice(20).every((code) => code === 486)).toBe(true);
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="allocations-per-address"}')).toBe(80);
    await relay.assertServes({ localAddress: '127.0.0.3' });
    for (const greedy of clients.splice(0, 20)) {
      expect(errorCode(await greedy.release())).toBe(200);
      greedy.close();
    }
    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});

describe('EVEN-PORT reservations', () => {
  it('count against the quotas: with 2 allocations per user, an allocation and its reservation use both', async () => {
    relay = await RelayProcess.start({ TURN_MAX_ALLOCATIONS_PER_USER: '2' }, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const first = await client('pair');
    expect(errorCode(await first.allocate((b) => b.addEvenPort(true)))).toBe(200);
    expect(await relay.metric('vc_turn_reservations')).toBe(1);
    expect(errorCode(await (await client('pair')).allocate())).toBe(486);
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="allocations-per-user"}')).toBe(1);
    expect(errorCode(await first.release())).toBe(200);
    expect(await relay.metric('vc_turn_reservations')).toBe(0);
    expect(errorCode(await (await client('pair')).allocate())).toBe(200);
    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('end with their allocation: 300 reserve-and-delete cycles leave no descriptor behind', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const cycler = await client('cycler');
    for (let i = 0; i < 300; i++) {
      expect(errorCode(await cycler.allocate((b) => b.addEvenPort(true)))).toBe(200);
      expect(errorCode(await cycler.release())).toBe(200);
    }
    expect(await relay.metric('vc_turn_reservations')).toBe(0);
    expect(await relay.metric('vc_turn_allocations')).toBe(0);
    await relay.assertServes();
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('hand the reserved port to the Allocate that brings the token', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const even = await client('rtp');
    const answer = await even.allocate((b) => b.addEvenPort(true));
    expect(errorCode(answer)).toBe(200);
    const port = even.relayedAddress(answer).port;
    expect(port % 2).toBe(0);
    const token = getAttribute(answer, Attr.ReservationToken)!;
    const odd = await client('rtcp');
    const taken = await odd.allocate((b) => b.add(Attr.ReservationToken, token));
    expect(errorCode(taken)).toBe(200);
    expect(odd.relayedAddress(taken).port).toBe(port + 1);
    expect(await relay.metric('vc_turn_reservations')).toBe(0);
    expect(await relay.metric('vc_turn_allocations')).toBe(2);
    for (const done of [even, odd]) expect(errorCode(await done.release())).toBe(200);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});
