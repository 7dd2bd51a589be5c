import { describe, expect, it } from 'vitest';
import { Lobby } from '../../server/signaling/lobby.js';

/** A member as Lobby sees one: any object, waiting under the id it is given. */
const member = (id: string) => ({ id });
type Member = ReturnType<typeof member>;
const queue = (lobby: Lobby<Member>, room: string, m: Member) => lobby.wait(room, m.id, m);

describe('lobby', () => {
  it('keeps the guests waiting for a room in the order they came, and finds each by id', () => {
    const lobby = new Lobby<Member>(3);
    const [one, two] = [member('1'), member('2')];
    expect(queue(lobby, 'a', one)).toEqual({ ok: true });
    expect(queue(lobby, 'a', two)).toEqual({ ok: true });
    expect(lobby.waiting('a')).toEqual([one, two]);
    expect(lobby.get('a', '2')).toBe(two);
    expect(lobby.roomOf(one)).toBe('a');
    expect(lobby.waitingCount).toBe(2);
  });

  it('refuses a guest beyond the capacity of one room with full, and changes nothing', () => {
    const lobby = new Lobby<Member>(2);
    queue(lobby, 'a', member('1'));
    queue(lobby, 'a', member('2'));
    const third = member('3');
    expect(queue(lobby, 'a', third)).toEqual({ ok: false, reason: 'full', capacity: 2 });
    expect(lobby.roomOf(third)).toBeUndefined();
    expect(queue(lobby, 'b', third)).toEqual({ ok: true });
  });

  it('refuses a member that waits already, saying for which room', () => {
    const lobby = new Lobby<Member>(2);
    const one = member('1');
    queue(lobby, 'a', one);
    expect(queue(lobby, 'b', one)).toEqual({ ok: false, reason: 'already-waiting', room: 'a' });
    expect(lobby.waiting('b')).toEqual([]);
  });

  it('finds no guest of another room by its id', () => {
    const lobby = new Lobby<Member>(2);
    queue(lobby, 'a', member('1'));
    expect(lobby.get('b', '1')).toBeUndefined();
  });

  it('forgets a guest that leaves, and says which room it waited for', () => {
    const lobby = new Lobby<Member>(2);
    const one = member('1');
    queue(lobby, 'a', one);
    expect(lobby.leave(one)).toBe('a');
    expect(lobby.leave(one)).toBeUndefined();
    expect(lobby.get('a', '1')).toBeUndefined();
    expect(lobby.waitingCount).toBe(0);
  });

  it('locks and unlocks a room', () => {
    const lobby = new Lobby<Member>(2);
    lobby.lock('a', true);
    expect(lobby.isLocked('a')).toBe(true);
    expect(lobby.isLocked('b')).toBe(false);
    lobby.lock('a', false);
    expect(lobby.isLocked('a')).toBe(false);
  });

  it('keeps a lock while the room has seats taken or guests waiting, and forgets it once both are empty', () => {
    const lobby = new Lobby<Member>(2);
    const one = member('1');
    lobby.lock('a', true);
    lobby.settle('a', 1);
    expect(lobby.isLocked('a')).toBe(true);
    queue(lobby, 'a', one);
    lobby.settle('a', 0);
    expect(lobby.isLocked('a')).toBe(true);
    lobby.leave(one);
    lobby.settle('a', 0);
    expect(lobby.isLocked('a')).toBe(false);
    expect(lobby.lockedCount).toBe(0);
  });
});
