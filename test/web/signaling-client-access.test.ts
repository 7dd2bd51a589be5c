/**
 * The signaling client's side of protocol 1.1 against a fake socket and a
 * fake clock: the room token in `join`, the lobby, the host controls it
 * sends and the room messages it passes on, and the refusals after which it
 * must not come back (4003 unauthorized, 4004 kicked, 4005 denied).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { backoffDelay } from '../../web/client/signaling-client.js';
import { joined, setup, welcome } from './signaling-harness.js';

const HOST = { id: 'peer-h', name: 'Hana', role: 'host' };
const GUEST = { id: 'peer-g', name: 'Gus', role: 'guest' };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the room token', () => {
  it('is sent in join', () => {
    const { net } = setup(5_000, () => 'jwt-1');
    net.last().accept();
    expect(net.last().sentOfType('join')).toEqual([
      { type: 'join', room: 'standup', v: PROTOCOL_VERSION, name: 'Ada', token: 'jwt-1' },
    ]);
  });

  it('is left out of join when there is none', () => {
    const { net } = setup(5_000, () => '');
    net.last().accept();
    expect(net.last().sentOfType('join')[0]).not.toHaveProperty('token');
  });

  it('is read again at a rejoin, so a token changed meanwhile goes with it', () => {
    let token = 'jwt-1';
    const { net } = setup(5_000, () => token);
    net.last().accept();
    net.last().deliver(welcome());
    token = 'jwt-2';
    net.last().drop(1006);
    vi.advanceTimersByTime(backoffDelay(1, 1));
    net.last().accept();
    expect(net.last().sentOfType('join')).toEqual([
      { type: 'join', room: 'standup', v: PROTOCOL_VERSION, name: 'Ada', token: 'jwt-2', resume: 'token-1' },
    ]);
  });
});

describe('the lobby', () => {
  const lobby = (hostPresent: boolean) => ({ type: 'lobby', id: 'peer-a', room: 'standup', hostPresent });

  it('reports the lobby and its status until a welcome admits the client', () => {
    const { client, net, seen } = setup();
    net.last().accept();
    net.last().deliver(lobby(false));
    net.last().deliver(lobby(true));
    expect(seen.statuses[0]).toBe('connecting');
    expect(seen.statuses.slice(1)).toEqual(['lobby', 'lobby']);
    expect(seen.room).toEqual([
      ['lobby', lobby(false)],
      ['lobby', lobby(true)],
    ]);
    expect(client.id).toBe('peer-a');
    net.last().deliver(welcome());
    expect(seen.statuses.at(-1)).toBe('joined');
  });

  it('asks for no ICE servers while waiting: nobody would answer', async () => {
    const { client, net } = setup();
    net.last().accept();
    net.last().deliver(lobby(true));
    await expect(client.refreshIceServers()).rejects.toThrow(/not connected/);
    vi.advanceTimersByTime(3_600_000);
    expect(net.last().sentOfType('ice-servers')).toHaveLength(0);
  });
});

describe('host controls', () => {
  it('sends admit, deny, kick, mute and lock as the protocol spells them', () => {
    const { client, net } = joined();
    client.control({ type: 'admit', id: 'peer-g' });
    client.control({ type: 'deny', id: 'peer-g' });
    client.control({ type: 'kick', id: 'peer-b' });
    client.control({ type: 'mute', id: 'peer-b' });
    client.control({ type: 'lock', locked: true });
    expect(net.last().sent.slice(1)).toEqual([
      { type: 'admit', id: 'peer-g' },
      { type: 'deny', id: 'peer-g' },
      { type: 'kick', id: 'peer-b' },
      { type: 'mute', id: 'peer-b' },
      { type: 'lock', locked: true },
    ]);
  });

  it('passes on knock, knock-ended, muted and room-locked', () => {
    const { net, seen } = joined();
    net.last().deliver({ type: 'knock', peer: GUEST });
    net.last().deliver({ type: 'knock-ended', id: GUEST.id, outcome: 'admitted' });
    net.last().deliver({ type: 'muted', by: HOST });
    net.last().deliver({ type: 'room-locked', locked: true, by: HOST });
    expect(seen.room).toEqual([
      ['knock', GUEST],
      ['knockEnded', GUEST.id, 'admitted'],
      ['muted', HOST],
      ['roomLocked', true, HOST],
    ]);
  });

  it('reports forbidden without stopping: a guest’s refused control leaves its call alone', async () => {
    const { client, net, seen } = joined();
    client.control({ type: 'kick', id: 'peer-b' });
    net.last().deliver({ type: 'error', code: 'forbidden', message: 'only a host may kick' });
    expect(seen.errors).toEqual([{ code: 'forbidden', message: 'only a host may kick', fatal: false }]);
    expect(net.last().closedBy).toBeUndefined();
    expect(seen.statuses.at(-1)).toBe('joined');
    const request = client.refreshIceServers();
    net.last().deliver({ type: 'ice-servers', iceServers: [], ttl: 60 });
    await expect(request).resolves.toEqual([]);
  });
});

describe('room-full', () => {
  it('stops the client when it answers the join', async () => {
    const { net, seen } = setup();
    net.last().accept();
    net.last().deliver({ type: 'error', code: 'room-full', message: 'the room is full' });
    expect(seen.errors).toEqual([{ code: 'room-full', message: 'the room is full', fatal: true }]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(net.sockets).toHaveLength(1);
  });

  it('leaves a joined host’s call alone when it answers an admit into a full room', () => {
    const { client, net, seen } = joined();
    client.control({ type: 'admit', id: GUEST.id });
    net.last().deliver({ type: 'error', code: 'room-full', message: 'the room is full' });
    expect(seen.errors).toEqual([{ code: 'room-full', message: 'the room is full', fatal: false }]);
    expect(net.last().closedBy).toBeUndefined();
    expect(seen.statuses.at(-1)).toBe('joined');
  });
});

describe('refusals it must not retry', () => {
  it('reports unauthorized with its reason, stops, and does not reconnect after the 4003 close', async () => {
    const { net, seen } = setup(5_000, () => 'old-jwt');
    net.last().accept();
    net.last().deliver({ type: 'error', code: 'unauthorized', message: 'token expired', reason: 'expired' });
    net.last().drop(4003, 'unauthorized');
    expect(seen.errors).toEqual([{ code: 'unauthorized', message: 'token expired', fatal: true, reason: 'expired' }]);
    expect(seen.statuses.at(-1)).toBe('closed');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(net.sockets).toHaveLength(1);
  });

  it.each([
    ['kicked', 4004],
    ['denied', 4005],
  ])('reports %s once, stops, and does not reconnect after the %i close', async (code, closeCode) => {
    const { net, seen } = joined();
    net.last().deliver({ type: 'error', code, message: `${code} by Hana` });
    net.last().drop(closeCode, code);
    expect(seen.errors).toEqual([{ code, message: `${code} by Hana`, fatal: true }]);
    expect(seen.statuses.at(-1)).toBe('closed');
    await vi.advanceTimersByTimeAsync(120_000);
    expect(net.sockets).toHaveLength(1);
  });

  it.each([
    [4003, 'unauthorized'],
    [4004, 'kicked'],
    [4005, 'denied'],
  ])('stops after a bare %i close too, naming it %s', async (closeCode, code) => {
    const { net, seen } = joined();
    net.last().drop(closeCode, '');
    expect(seen.errors).toEqual([expect.objectContaining({ code, fatal: true })]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(net.sockets).toHaveLength(1);
  });

  it('keeps the reason off every error but unauthorized', () => {
    const { net, seen } = joined();
    net.last().deliver({ type: 'error', code: 'forbidden', message: 'no', reason: 'expired' });
    expect(seen.errors).toEqual([{ code: 'forbidden', message: 'no', fatal: false }]);
  });
});
