import { describe, expect, it } from 'vitest';
import { Bans, KICK_BAN_MS } from '../../server/signaling/bans.js';

function clock(start = 1_800_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('kick bans', () => {
  it('keep a kicked user out of its room for KICK_BAN_MS, and no longer', () => {
    const time = clock();
    const bans = new Bans(time.now);
    bans.ban('standup', 'ada');
    time.advance(KICK_BAN_MS - 1);
    expect(bans.has('standup', 'ada')).toBe(true);
    time.advance(1);
    expect(bans.has('standup', 'ada')).toBe(false);
    expect(bans.size).toBe(0);
  });

  it('ban a user from the room it was kicked from only, and no one else', () => {
    const bans = new Bans(clock().now);
    bans.ban('standup', 'ada');
    expect(bans.has('other', 'ada')).toBe(false);
    expect(bans.has('standup', 'bob')).toBe(false);
  });

  it('say how many seconds are left, rounded up', () => {
    const time = clock();
    const bans = new Bans(time.now);
    bans.ban('standup', 'ada');
    time.advance(10_500);
    expect(bans.secondsLeft('standup', 'ada')).toBe(50);
    expect(bans.secondsLeft('standup', 'bob')).toBe(0);
  });

  it('start a ban afresh when the user is kicked again', () => {
    const time = clock();
    const bans = new Bans(time.now);
    bans.ban('standup', 'ada');
    time.advance(KICK_BAN_MS - 1000);
    bans.ban('standup', 'ada');
    time.advance(2000);
    expect(bans.has('standup', 'ada')).toBe(true);
  });

  it('remember at most their bound, forgetting the oldest first', () => {
    const time = clock();
    const bans = new Bans(time.now, KICK_BAN_MS, 2);
    bans.ban('r', 'one');
    time.advance(1);
    bans.ban('r', 'two');
    time.advance(1);
    bans.ban('r', 'three');
    expect(bans.size).toBe(2);
    expect(bans.has('r', 'one')).toBe(false);
    expect(bans.has('r', 'two')).toBe(true);
    expect(bans.has('r', 'three')).toBe(true);
  });
});
