import { describe, expect, it } from 'vitest';
import { Rooms } from '../../server/signaling/rooms.js';

/** A member as Rooms sees one: any object, seated under the id it is given. */
const member = (id: string) => ({ id });
type Member = ReturnType<typeof member>;
const seat = (rooms: Rooms<Member>, room: string, m: Member) => rooms.join(room, m.id, m);

describe('room registry', () => {
  it('returns the members already present when someone joins', () => {
    const rooms = new Rooms<Member>(3);
    const [one, two] = [member('1'), member('2')];
    expect(seat(rooms, 'a', one)).toEqual({ ok: true, others: [], replaced: undefined });
    expect(seat(rooms, 'a', two)).toEqual({ ok: true, others: [one], replaced: undefined });
    expect(rooms.memberCount).toBe(2);
    expect(rooms.roomCount).toBe(1);
  });

  it('refuses a joiner beyond the capacity with full, saying the capacity', () => {
    const rooms = new Rooms<Member>(2);
    seat(rooms, 'a', member('1'));
    seat(rooms, 'a', member('2'));
    const third = member('3');
    expect(seat(rooms, 'a', third)).toEqual({ ok: false, reason: 'full', capacity: 2 });
    expect(rooms.memberCount).toBe(2);
    expect(rooms.get('a', '3')).toBeUndefined();
  });

  it('refuses a member already seated, in that room or another, with already-joined and where', () => {
    const rooms = new Rooms<Member>(4);
    const one = member('1');
    seat(rooms, 'a', one);
    expect(seat(rooms, 'a', one)).toEqual({ ok: false, reason: 'already-joined', room: 'a' });
    expect(rooms.join('b', 'other-id', one)).toEqual({ ok: false, reason: 'already-joined', room: 'a' });
    expect(rooms.memberCount).toBe(1);
    expect(rooms.roomCount).toBe(1);
  });

  it('checks a seated member before the capacity: a full room refuses its own member as already-joined', () => {
    const rooms = new Rooms<Member>(2);
    const one = member('1');
    seat(rooms, 'a', one);
    seat(rooms, 'a', member('2'));
    expect(seat(rooms, 'a', one)).toMatchObject({ ok: false, reason: 'already-joined' });
  });

  it('refuses an id seated in another room through another member with id-elsewhere, changing nothing', () => {
    const rooms = new Rooms<Member>(2);
    const holder = member('1');
    seat(rooms, 'a', holder);
    const newcomer = member('new');
    expect(rooms.join('b', '1', newcomer)).toEqual({ ok: false, reason: 'id-elsewhere', room: 'a' });
    expect(rooms.get('a', '1')).toBe(holder);
    expect(rooms.roomCount).toBe(1);
    expect(rooms.join('b', 'new', newcomer).ok).toBe(true);
  });

  it('gives an id its own seat over in a full room, naming the member it replaced', () => {
    const rooms = new Rooms<Member>(2);
    const [old, other] = [member('1'), member('2')];
    seat(rooms, 'a', old);
    seat(rooms, 'a', other);
    const resumed = member('1');
    expect(rooms.join('a', '1', resumed)).toEqual({ ok: true, others: [other], replaced: old });
    expect(rooms.get('a', '1')).toBe(resumed);
    expect(rooms.memberCount).toBe(2);
    expect(rooms.leave(old)).toEqual([]);
    expect(rooms.leave(other)).toEqual([resumed]);
  });

  it('keeps rooms apart: a member of one room is not found in another', () => {
    const rooms = new Rooms<Member>(2);
    const [one, two] = [member('1'), member('2')];
    seat(rooms, 'a', one);
    seat(rooms, 'b', two);
    expect(rooms.get('a', '2')).toBeUndefined();
    expect(rooms.get('b', '2')).toEqual(two);
    expect(rooms.leave(one)).toEqual([]);
  });

  it('returns who is left behind and deletes a room once empty', () => {
    const rooms = new Rooms<Member>(2);
    const [one, two] = [member('1'), member('2')];
    seat(rooms, 'a', one);
    seat(rooms, 'a', two);
    expect(rooms.leave(one)).toEqual([two]);
    expect(rooms.leave(two)).toEqual([]);
    expect(rooms.roomCount).toBe(0);
    expect(rooms.memberCount).toBe(0);
  });

  it('ignores leaving by a member that holds no seat', () => {
    const rooms = new Rooms<Member>(2);
    const one = member('1');
    seat(rooms, 'a', one);
    expect(rooms.leave(member('1'))).toEqual([]);
    expect(rooms.leave(member('nobody'))).toEqual([]);
    expect(rooms.memberCount).toBe(1);
    expect(rooms.get('a', '1')).toBe(one);
  });

  it('frees the seat of a member who left, for the next joiner', () => {
    const rooms = new Rooms<Member>(2);
    const two = member('2');
    seat(rooms, 'a', member('1'));
    seat(rooms, 'a', two);
    rooms.leave(two);
    expect(seat(rooms, 'a', member('3')).ok).toBe(true);
  });

  it('lets a member that left join again, under the same id or another', () => {
    const rooms = new Rooms<Member>(2);
    const one = member('1');
    seat(rooms, 'a', one);
    rooms.leave(one);
    expect(seat(rooms, 'a', one).ok).toBe(true);
    rooms.leave(one);
    expect(rooms.join('b', 'renamed', one).ok).toBe(true);
    expect(rooms.get('b', 'renamed')).toBe(one);
  });
});
