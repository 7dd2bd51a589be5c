import { afterEach, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { AddressBook } from '../../server/signaling/addresses.js';
import { ReadThrottle } from '../../server/signaling/read-throttle.js';
import { Refusals } from '../../server/refusals.js';
import { TokenBucket } from '../../server/signaling/token-bucket.js';
import { defaults } from '../../server/config.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('client addresses', () => {
  it('refuse a socket beyond MAX_CONNECTIONS_PER_IP, and admit again once one closes', () => {
    const book = new AddressBook({ ...defaults, maxConnectionsPerIp: 2 }, clock().now);
    book.open('198.51.100.7');
    book.open('198.51.100.7');
    expect(book.admit('198.51.100.7')).toBe('address');
    expect(book.admit('203.0.113.9')).toBeUndefined();
    book.close('198.51.100.7');
    expect(book.admit('198.51.100.7')).toBeUndefined();
  });

  it('refuse upgrades beyond UPGRADES_PER_MINUTE_PER_IP, and admit one more per share of the minute', () => {
    const time = clock();
    const book = new AddressBook({ ...defaults, upgradesPerMinutePerIp: 3 }, time.now);
    const admitted = Array.from({ length: 4 }, () => book.admit('198.51.100.7'));
    expect(admitted).toEqual([undefined, undefined, undefined, 'upgrades']);
    time.advance(20_000);
    expect(book.admit('198.51.100.7')).toBeUndefined();
    expect(book.admit('198.51.100.7')).toBe('upgrades');
  });

  it('refuse upgrades while the address is in byte debt, since its sockets share one byte budget', () => {
    const time = clock();
    const book = new AddressBook(
      { ...defaults, rateLimitBytesPerSecondPerIp: 1000, rateLimitBytesBurstPerIp: 1000 },
      time.now,
    );
    book.open('198.51.100.7').bytes.charge(1500);
    expect(book.admit('198.51.100.7')).toBe('over-budget');
    time.advance(500);
    expect(book.admit('198.51.100.7')).toBeUndefined();
  });

  it('keep an address across reconnects until it is idle, then forget it', () => {
    const time = clock();
    const book = new AddressBook({ ...defaults, upgradesPerMinutePerIp: 60 }, time.now);
    book.admit('198.51.100.7');
    const address = book.open('198.51.100.7');
    address.frames.take();
    book.close('198.51.100.7');
    book.sweep();
    expect(book.size).toBe(1);
    expect(book.open('198.51.100.7')).toBe(address);
    book.close('198.51.100.7');
    time.advance(1_000);
    book.sweep();
    expect(book.size).toBe(0);
  });
});

describe('refusals', () => {
  it('log the first refusal of an address, then one line per interval standing for the rest', () => {
    const time = clock();
    const refusals = new Refusals(60_000, time.now);
    expect(refusals.note('198.51.100.7')).toBe(1);
    time.advance(59_000);
    const quiet = Array.from({ length: 99 }, () => refusals.note('198.51.100.7'));
    expect(quiet.every((due) => due === 0)).toBe(true);
    expect(refusals.note('203.0.113.9')).toBe(1);
    time.advance(1_000);
    expect(refusals.note('198.51.100.7')).toBe(100);
    expect(refusals.note('198.51.100.7')).toBe(0);
  });

  it('count an address as recently refused for one interval after its last refusal', () => {
    const time = clock();
    const refusals = new Refusals(60_000, time.now);
    expect(refusals.isRecent('198.51.100.7')).toBe(false);
    refusals.note('198.51.100.7');
    time.advance(59_999);
    expect(refusals.isRecent('198.51.100.7')).toBe(true);
    time.advance(1);
    expect(refusals.isRecent('198.51.100.7')).toBe(false);
    expect(refusals.note('198.51.100.7')).toBe(1);
  });
});

describe('read throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function pausable() {
    const calls: string[] = [];
    const socket = { pause: () => calls.push('pause'), resume: () => calls.push('resume') } as unknown as WebSocket;
    return { socket, calls };
  }

  it('pauses reading while the socket or its address is in byte debt, and resumes once both are repaid', () => {
    vi.useFakeTimers();
    const own = new TokenBucket(1000, 1000, Date.now);
    const address = new TokenBucket(500, 1000, Date.now);
    const { socket, calls } = pausable();
    let pauses = 0;
    const throttle = new ReadThrottle(socket, [own, address], () => (pauses += 1));
    throttle.charge(900);
    expect(throttle.paused).toBe(false);
    throttle.charge(600);
    expect(calls).toEqual(['pause']);
    expect(throttle.paused).toBe(true);
    // The socket's own debt (500 at 1000/s) is repaid first; the address's (500 at 500/s) a while later.
    vi.advanceTimersByTime(999);
    expect(throttle.paused).toBe(true);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['pause', 'resume']);
    expect(throttle.paused).toBe(false);
    expect(pauses).toBe(1);
  });

  it('stops waiting when the socket closes', () => {
    vi.useFakeTimers();
    const { socket, calls } = pausable();
    const throttle = new ReadThrottle(socket, [new TokenBucket(1000, 10, Date.now)], () => {});
    throttle.charge(1000);
    throttle.stop();
    vi.runAllTimers();
    expect(calls).toEqual(['pause']);
    expect(throttle.paused).toBe(false);
  });
});
