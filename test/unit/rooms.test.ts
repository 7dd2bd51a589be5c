import { describe, expect, it } from 'vitest';
import { Rooms } from '../../server/signaling/rooms.js';

const member = (id: string) => ({ id });

describe('room registry', () => {
  it('returns the members already present when someone joins', () => {
    const rooms = new Rooms(3);
    expect(rooms.join('a', member('1'))).toEqual({ ok: true, others: [] });
    expect(rooms.join('a', member('2'))).toEqual({ ok: true, others: [member('1')] });
    expect(rooms.memberCount).toBe(2);
    expect(rooms.roomCount).toBe(1);
  });

  it('refuses a joiner beyond the capacity', () => {
    const rooms = new Rooms(2);
    rooms.join('a', member('1'));
    rooms.join('a', member('2'));
    expect(rooms.join('a', member('3'))).toEqual({ ok: false, reason: 'full' });
    expect(rooms.memberCount).toBe(2);
  });

  it('refuses the same member twice in a room', () => {
    const rooms = new Rooms(4);
    rooms.join('a', member('1'));
    expect(rooms.join('a', member('1'))).toEqual({ ok: false, reason: 'duplicate' });
  });

  it('keeps rooms apart: a member of one room is not found in another', () => {
    const rooms = new Rooms(2);
    rooms.join('a', member('1'));
    rooms.join('b', member('2'));
    expect(rooms.get('a', '2')).toBeUndefined();
    expect(rooms.get('b', '2')).toEqual(member('2'));
    expect(rooms.others('a', '1')).toEqual([]);
  });

  it('returns who is left behind and deletes a room once empty', () => {
    const rooms = new Rooms(2);
    rooms.join('a', member('1'));
    rooms.join('a', member('2'));
    expect(rooms.leave('a', '1')).toEqual([member('2')]);
    expect(rooms.leave('a', '2')).toEqual([]);
    expect(rooms.roomCount).toBe(0);
    expect(rooms.memberCount).toBe(0);
  });

  it('ignores leaving a room one is not in', () => {
    const rooms = new Rooms(2);
    rooms.join('a', member('1'));
    expect(rooms.leave('a', 'nobody')).toEqual([]);
    expect(rooms.leave('nowhere', '1')).toEqual([]);
    expect(rooms.memberCount).toBe(1);
  });

  it('frees the seat of a member who left, for the next joiner', () => {
    const rooms = new Rooms(2);
    rooms.join('a', member('1'));
    rooms.join('a', member('2'));
    rooms.leave('a', '2');
    expect(rooms.join('a', member('3')).ok).toBe(true);
  });
});
