import { describe, expect, it } from 'vitest';
import { Rooms } from '../../server/signaling/rooms.js';

const member = (id: string) => ({ id });
type Member = ReturnType<typeof member>;

describe("a room's members", () => {
  it('are listed in the order they took their seats, and only for that room', () => {
    const rooms = new Rooms<Member>(3);
    const [one, two, elsewhere] = [member('1'), member('2'), member('3')];
    rooms.join('a', one.id, one);
    rooms.join('a', two.id, two);
    rooms.join('b', elsewhere.id, elsewhere);
    expect(rooms.members('a')).toEqual([one, two]);
    expect(rooms.members('none')).toEqual([]);
  });

  it('no longer include one that left, and an emptied room has none', () => {
    const rooms = new Rooms<Member>(2);
    const one = member('1');
    rooms.join('a', one.id, one);
    rooms.leave(one);
    expect(rooms.members('a')).toEqual([]);
  });
});
