import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Allocation,
  CHANNEL_LIFETIME_MS,
  PERMISSION_LIFETIME_MS,
  type AllocationLimits,
} from '../../turn/allocation/allocation.js';
import { Pool, Tally } from '../../turn/allocation/counters.js';
import type { ClientLink } from '../../turn/transport.js';

/** Closing an allocation closes its socket, once however often it is called. */
const made: Allocation[] = [];
afterEach(() => {
  for (const allocation of made.splice(0)) allocation.close();
});

const client: ClientLink = {
  transport: 'udp',
  address: '192.0.2.1',
  port: 5000,
  key: 'udp|192.0.2.1|5000|3478',
  send: () => undefined,
  close: () => undefined,
};
const peer = (n: number) => ({ family: 4 as const, address: `198.51.100.${n}`, port: 9 });

/** An allocation on a real (unbound) socket, with a clock the test moves. */
function makeAllocation(
  limits: { permissions?: number; channels?: number; pools?: { permissions: Pool; channels: Pool } } = {},
) {
  const socket = createSocket('udp4');
  const clock = { now: 1_000_000 };
  const pools = limits.pools ?? { permissions: new Pool(1000), channels: new Pool(1000) };
  const allocationLimits: AllocationLimits = {
    bytesPerSecond: 1_000_000,
    permissions: { perAllocation: limits.permissions ?? 4, pool: pools.permissions },
    channels: { perAllocation: limits.channels ?? 2, pool: pools.channels },
  };
  const allocation = new Allocation({
    client,
    username: '1:user',
    user: 'user',
    key: Buffer.alloc(16),
    socket,
    relayed: { family: 4, address: '203.0.113.1', port: 50000 },
    limits: allocationLimits,
    hooks: { toPeer: () => true, relayed: () => undefined, dropped: () => undefined },
    now: () => clock.now,
  });
  made.push(allocation);
  return { made: allocation, clock, pools };
}

describe('permissions and channels of one allocation', () => {
  it('installs a CreatePermission all or nothing, and refreshing a held address takes no room', () => {
    const { made, pools } = makeAllocation({ permissions: 4 });
    expect(made.permit([peer(1).address, peer(2).address, peer(3).address])).toBe(true);
    expect(made.permit([peer(4).address, peer(5).address])).toBe(false);
    expect(made.hasPermission(peer(4).address)).toBe(false);
    expect(made.permit([peer(1).address, peer(1).address, peer(4).address])).toBe(true);
    expect(pools.permissions.size).toBe(4);
  });

  it('makes room by sweeping expired permissions before refusing, and counts an expired address asked again as new', () => {
    const { made, clock, pools } = makeAllocation({ permissions: 2 });
    expect(made.permit([peer(1).address, peer(2).address])).toBe(true);
    clock.now += PERMISSION_LIFETIME_MS;
    expect(made.permit([peer(1).address, peer(3).address])).toBe(true);
    expect(pools.permissions.size).toBe(2);
    expect(made.hasPermission(peer(2).address)).toBe(false);
  });

  it('refuses a channel beyond its cap as full, a clash as conflict, and binds again over an expired binding', () => {
    const { made, clock, pools } = makeAllocation({ channels: 2 });
    expect(made.bind(0x4000, peer(1))).toBe('bound');
    expect(made.bind(0x4001, peer(2))).toBe('bound');
    expect(made.bind(0x4002, peer(3))).toBe('full');
    expect(made.bind(0x4000, peer(2))).toBe('conflict');
    expect(made.bind(0x4000, peer(1))).toBe('bound');
    clock.now += CHANNEL_LIFETIME_MS;
    expect(made.bind(0x4001, peer(3))).toBe('bound');
    expect(pools.channels.size).toBe(1);
  });

  it('gives a channel back when the permission it needs finds no room', () => {
    const { made, pools } = makeAllocation({ permissions: 1, channels: 4 });
    expect(made.bind(0x4000, peer(1))).toBe('bound');
    expect(made.bind(0x4001, peer(2))).toBe('full');
    expect(pools.channels.size).toBe(1);
    expect(pools.permissions.size).toBe(1);
  });

  it('shares the pools with other allocations and gives everything back when it closes', () => {
    const pools = { permissions: new Pool(3), channels: new Pool(1) };
    const first = makeAllocation({ pools });
    const second = makeAllocation({ pools });
    expect(first.made.permit([peer(1).address, peer(2).address])).toBe(true);
    expect(second.made.permit([peer(3).address, peer(4).address])).toBe(false);
    expect(second.made.bind(0x4000, peer(3))).toBe('bound');
    expect(first.made.bind(0x4000, peer(1))).toBe('full');
    first.made.close();
    expect(pools.permissions.size).toBe(1);
    second.made.close();
    expect(pools.permissions.size).toBe(0);
    expect(pools.channels.size).toBe(0);
  });
});

describe('the counters behind the quotas', () => {
  it('a pool takes a count whole or not at all', () => {
    const pool = new Pool(5);
    expect(pool.take(3)).toBe(true);
    expect(pool.take(3)).toBe(false);
    expect(pool.size).toBe(3);
    pool.give(3);
    expect(pool.take(5)).toBe(true);
  });

  it('a tally limits each key on its own and forgets keys back at zero', () => {
    const tally = new Tally(2);
    tally.add('a');
    tally.add('a');
    expect(tally.hasRoom('a')).toBe(false);
    expect(tally.hasRoom('b')).toBe(true);
    tally.remove('a');
    tally.remove('a');
    expect(tally.keys).toBe(0);
  });
});
