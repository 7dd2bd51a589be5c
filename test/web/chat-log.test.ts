/**
 * The chat log (web/chat/chat-log.ts), without DOM or socket: it numbers this
 * side's messages, takes the server's echo as their acknowledgement, sends
 * what was not echoed again after a resumed welcome (and fails it after a new
 * id), drops anything seen before from a sender, and counts what is unread.
 */
import { describe, expect, it } from 'vitest';
import type { RelayedChatMessage } from '../../protocol/signaling.js';
import { ChatLog, type ChatEntry } from '../../web/chat/chat-log.js';

function setup(selfId = 'me') {
  const sent: Array<[number, string]> = [];
  const told: Array<{ id: string; isNew: boolean; state: string }> = [];
  let reading = false;
  const self = { id: selfId as string | undefined, name: 'Ada' };
  const log = new ChatLog({
    send: (mid, text) => sent.push([mid, text]),
    self: () => self,
    changed: (entry: ChatEntry, isNew) => told.push({ id: entry.id, isNew, state: entry.state }),
    reading: () => reading,
    now: () => 1000,
  });
  return { log, sent, told, self, setReading: (value: boolean) => (reading = value) };
}

const relayed = (from: string, mid: number, text = `m${mid}`, ts = 5000): RelayedChatMessage => ({
  type: 'chat',
  from: { id: from, name: from.toUpperCase() },
  mid,
  text,
  ts,
});

describe('this side’s messages', () => {
  it('numbers them from 1 upwards and sends each at once, shown as sending', () => {
    const { log, sent } = setup();
    log.post('one');
    log.post('two');
    expect(sent).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(log.entries.map((entry) => [entry.mid, entry.state, entry.self])).toEqual([
      [1, 'sending', true],
      [2, 'sending', true],
    ]);
  });

  it('takes the echo as the acknowledgement: sent, with the server’s ts, told once as new', () => {
    const { log, told } = setup();
    log.post('hello');
    log.received(relayed('me', 1, 'hello', 7777));
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({ id: 'me:1', state: 'sent', ts: 7777, self: true });
    expect(told).toEqual([{ id: 'me:1', isNew: true, state: 'sent' }]);
  });

  it('after a resumed welcome sends again, in order, exactly what was not echoed', () => {
    const { log, sent } = setup();
    log.post('a');
    log.post('b');
    log.post('c');
    log.received(relayed('me', 1, 'a'));
    sent.length = 0;
    log.welcome(true);
    expect(sent).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it('after a welcome under a new peer id marks what was not echoed failed (lost), and sends nothing', () => {
    const { log, sent, told } = setup();
    log.post('a');
    sent.length = 0;
    log.welcome(false);
    expect(sent).toEqual([]);
    expect(log.entries[0]).toMatchObject({ state: 'failed', reason: 'lost' });
    expect(told.at(-1)).toEqual({ id: 'me:1', isNew: false, state: 'failed' });
    // Failed is final: a later resumed welcome does not send it again.
    log.welcome(true);
    expect(sent).toEqual([]);
  });

  it('marks a refused message failed with the server’s code, and only that one', () => {
    const { log } = setup();
    log.post('a');
    log.post('b');
    expect(log.refused(2, 'rate-limited')).toBe(log.entries[1]);
    expect(log.entries.map((entry) => entry.state)).toEqual(['sending', 'failed']);
    expect(log.entries[1]?.reason).toBe('rate-limited');
    expect(log.refused(9, 'too-large')).toBeUndefined();
  });

  it('keeps numbering across a new peer id, so mids only grow', () => {
    const { log, sent, self } = setup();
    log.post('a');
    self.id = 'me-2';
    log.welcome(false);
    log.post('b');
    expect(sent.map(([mid]) => mid)).toEqual([1, 2]);
  });
});

describe('messages of the room', () => {
  it('shows each (from, mid) once: a resent message seen before is dropped', () => {
    const { log, told } = setup();
    expect(log.received(relayed('bob', 1))).toBeDefined();
    expect(log.received(relayed('bob', 2))).toBeDefined();
    expect(log.received(relayed('bob', 2))).toBeUndefined();
    expect(log.received(relayed('bob', 1))).toBeUndefined();
    expect(log.entries.map((entry) => entry.id)).toEqual(['bob:1', 'bob:2']);
    expect(told.filter((t) => t.isNew)).toHaveLength(2);
  });

  it('never reorders a sender: a mid lower than one seen from it is dropped', () => {
    const { log } = setup();
    log.received(relayed('bob', 3));
    expect(log.received(relayed('bob', 2))).toBeUndefined();
    expect(log.entries.map((entry) => entry.mid)).toEqual([3]);
  });

  it('keeps senders apart: the same mid from two senders is two messages', () => {
    const { log } = setup();
    log.received(relayed('bob', 1));
    log.received(relayed('cy', 1));
    expect(log.entries.map((entry) => entry.id)).toEqual(['bob:1', 'cy:1']);
  });

  it('drops a second echo of this side’s message (a resend the server relayed again)', () => {
    const { log, told } = setup();
    log.post('a');
    log.received(relayed('me', 1, 'a'));
    expect(log.received(relayed('me', 1, 'a'))).toBeUndefined();
    expect(log.entries).toHaveLength(1);
    expect(told).toHaveLength(1);
  });

  it('counts the others’ messages unread until read(), but not while reading, nor its own', () => {
    const { log, setReading } = setup();
    log.received(relayed('bob', 1));
    log.received(relayed('bob', 2));
    log.post('mine');
    log.received(relayed('me', 1, 'mine'));
    expect(log.unread).toBe(2);
    log.read();
    expect(log.unread).toBe(0);
    setReading(true);
    log.received(relayed('bob', 3));
    expect(log.unread).toBe(0);
  });
});
