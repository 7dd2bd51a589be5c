/**
 * The signaling client's logic against a fake socket and a fake clock: join,
 * rejoin with the resume token, reconnect backoff, ICE-server requests that
 * always settle, and inbound frames it cannot read.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { backoffDelay, type ChatEvent } from '../../web/client/signaling-client.js';
import type { FakeSocket } from './fake-socket.js';
import { FRESH, joined, setup, URL, welcome } from './signaling-harness.js';

/** Tracks whether a promise settled yet, without leaving a rejection unhandled. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; result: Promise<T> } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled, result: promise };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('connecting and joining', () => {
  it('opens the URL and sends join with the room, name and protocol version once the socket opens', () => {
    const { net, seen } = setup();
    expect(seen.statuses).toEqual(['connecting']);
    expect(net.last().url).toBe(URL);
    expect(net.last().sent).toEqual([]);
    net.last().accept();
    expect(net.last().sent).toEqual([{ type: 'join', room: 'standup', v: PROTOCOL_VERSION, name: 'Ada' }]);
  });

  it('takes its id from welcome and reports joined', () => {
    const { client, seen } = joined();
    expect(client.id).toBe('peer-a');
    expect(seen.welcomes).toHaveLength(1);
    expect(seen.statuses).toEqual(['connecting', 'joined']);
  });

  it('rejoins with the resume token of the last welcome after the connection drops', () => {
    const { net, seen } = joined();
    net.last().deliver(welcome({ resume: 'token-2' }));
    net.last().drop(1006);
    expect(seen.statuses.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(backoffDelay(1, 1));
    expect(net.sockets).toHaveLength(2);
    net.last().accept();
    expect(net.last().sentOfType('join')).toEqual([
      { type: 'join', room: 'standup', v: PROTOCOL_VERSION, name: 'Ada', resume: 'token-2' },
    ]);
  });

  it('reports the server unreachable when the first connection fails, and keeps trying', () => {
    const { net, seen } = setup();
    net.last().drop(1006);
    expect(seen.errors).toEqual([expect.objectContaining({ code: 'server-unreachable', fatal: false })]);
    vi.advanceTimersByTime(backoffDelay(1, 1));
    expect(net.sockets).toHaveLength(2);
  });

  it('tries again after the backoff when the server cannot seat anyone now, keeping its resume token', async () => {
    const { net, seen } = joined();
    net.last().drop(1006);
    vi.advanceTimersByTime(backoffDelay(1, 1));
    net.last().accept();
    net.last().deliver({ type: 'error', code: 'server-unavailable', message: 'redis is away' });
    expect(seen.errors.at(-1)).toEqual(expect.objectContaining({ code: 'server-unavailable', fatal: false }));
    expect(net.last().closedBy).toEqual({ code: 1000, reason: 'server-unavailable' });
    await Promise.resolve();
    expect(seen.statuses.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(backoffDelay(2, 1));
    expect(net.sockets).toHaveLength(3);
    net.last().accept();
    expect(net.last().sentOfType('join')).toEqual([
      { type: 'join', room: 'standup', v: PROTOCOL_VERSION, name: 'Ada', resume: 'token-1' },
    ]);
  });

  it('stays in its call when a joined request is refused server-unavailable', () => {
    const { net, seen } = joined();
    net.last().deliver({ type: 'error', code: 'server-unavailable', message: 'redis is away' });
    expect(net.last().closedBy).toBeUndefined();
    expect(seen.statuses.at(-1)).toBe('joined');
  });

  it('stops for good after a close code that a retry would only repeat', () => {
    const { net, seen } = joined();
    net.last().drop(4002, 'unsupported version');
    expect(seen.errors).toEqual([expect.objectContaining({ code: 'unsupported-version', fatal: true })]);
    expect(seen.statuses.at(-1)).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(net.sockets).toHaveLength(1);
  });

  it('sends leave and closes on stop(), and does not reconnect', async () => {
    const { client, net, seen } = joined();
    client.stop();
    expect(net.last().sentOfType('leave')).toHaveLength(1);
    expect(net.last().closedBy).toEqual({ code: 1000, reason: 'left' });
    await vi.runAllTimersAsync();
    expect(net.sockets).toHaveLength(1);
    expect(seen.statuses.at(-1)).toBe('closed');
  });
});

describe('reconnect backoff', () => {
  it('doubles from 250–500 ms per attempt, jittered over the upper half, capped at 7.5–15 s', () => {
    expect([backoffDelay(1, 0), backoffDelay(1, 1)]).toEqual([250, 500]);
    expect([backoffDelay(2, 0), backoffDelay(2, 1)]).toEqual([500, 1_000]);
    expect([backoffDelay(5, 0), backoffDelay(5, 1)]).toEqual([4_000, 8_000]);
    expect([backoffDelay(6, 0), backoffDelay(6, 1)]).toEqual([7_500, 15_000]);
    expect([backoffDelay(40, 0), backoffDelay(40, 1)]).toEqual([7_500, 15_000]);
  });

  it('waits longer after each failed attempt, within each attempt’s bounds', () => {
    const { net } = joined();
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      net.last().drop(1006);
      vi.advanceTimersByTime(backoffDelay(attempt, 0) - 1);
      expect(net.sockets, `attempt ${attempt} came too early`).toHaveLength(attempt);
      vi.advanceTimersByTime(backoffDelay(attempt, 1) - backoffDelay(attempt, 0) + 1);
      expect(net.sockets, `attempt ${attempt} came too late`).toHaveLength(attempt + 1);
    }
  });

  it('starts over from the shortest wait once a welcome comes back', () => {
    const { net } = joined();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      net.last().drop(1006);
      vi.advanceTimersByTime(backoffDelay(attempt, 1));
    }
    net.last().accept();
    net.last().deliver(welcome({ resumed: true }));
    net.last().drop(1006);
    vi.advanceTimersByTime(backoffDelay(1, 1));
    expect(net.sockets).toHaveLength(5);
  });
});

describe('refreshIceServers()', () => {
  it('sends an ice-servers request and resolves with the answer', async () => {
    const { client, net, seen } = joined();
    const request = client.refreshIceServers();
    expect(net.last().sentOfType('ice-servers')).toHaveLength(1);
    net.last().deliver({ type: 'ice-servers', iceServers: FRESH, ttl: 600 });
    await expect(request).resolves.toEqual(FRESH);
    expect(seen.iceServers).toEqual([{ servers: FRESH, scheduled: false }]);
  });

  it('rejects when the socket closes before the answer', async () => {
    const { client, net } = joined();
    const request = client.refreshIceServers();
    net.last().drop(1006);
    await expect(request).rejects.toThrow(/signaling connection closed/);
  });

  it('rejects when the client stops before the answer', async () => {
    const { client } = joined();
    const request = client.refreshIceServers();
    client.stop();
    await expect(request).rejects.toThrow(/stopped/);
  });

  it('rejects after the timeout when no answer comes, and not before', async () => {
    const { client } = joined(5_000);
    const request = watch(client.refreshIceServers());
    await vi.advanceTimersByTimeAsync(4_999);
    expect(request.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(request.result).rejects.toThrow(/no ice-servers answer within 5000 ms/);
  });

  it('rejects at once while the client is reconnecting, as nobody could answer', async () => {
    const { client, net } = joined();
    net.last().drop(1006);
    await expect(client.refreshIceServers()).rejects.toThrow(/not connected/);
    expect(net.last().sentOfType('ice-servers')).toHaveLength(0);
  });

  it('rejects when the server refuses the client for good', async () => {
    const { client, net } = joined();
    const request = client.refreshIceServers();
    net.last().deliver({ type: 'error', code: 'unauthorized', message: 'no' });
    await expect(request).rejects.toThrow(/unauthorized/);
  });
});

describe('the scheduled refresh', () => {
  it('asks for fresh servers at 80 % of their TTL and marks the answer as scheduled', () => {
    const { net, seen } = joined();
    vi.advanceTimersByTime(600 * 800 - 1);
    expect(net.last().sentOfType('ice-servers')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(net.last().sentOfType('ice-servers')).toHaveLength(1);
    net.last().deliver({ type: 'ice-servers', iceServers: FRESH, ttl: 600 });
    expect(seen.iceServers).toEqual([{ servers: FRESH, scheduled: true }]);
  });
});

describe('frames the client cannot read', () => {
  const badFrames: Array<[string, unknown]> = [
    ['not JSON', '{"type":"welcome",'],
    ['a binary frame', new Uint8Array([123, 125])],
    ['JSON that is not an object', '[1,2]'],
    ['JSON null', 'null'],
    ['an unknown type', { type: 'surprise' }],
    ['a welcome without an id', { ...welcome(), id: undefined }],
    ['a welcome whose ICE servers have no urls', welcome({ iceServers: [{ username: 'x' }] })],
    ['a welcome with a negative ttl', welcome({ ttl: -1 })],
    ['a peer-joined without a peer', { type: 'peer-joined' }],
    ['a peer-left with an unknown reason', { type: 'peer-left', id: 'p', reason: 'vanished' }],
    ['a signal whose data is neither description nor candidate', { type: 'signal', from: 'p', data: { x: 1 } }],
    ['a signal whose description has no type', { type: 'signal', from: 'p', data: { description: { sdp: 'v=0' } } }],
    ['an ice-servers answer that is not a list', { type: 'ice-servers', iceServers: 'turn:x', ttl: 60 }],
    ['an error without a code', { type: 'error', message: 'm' }],
    [
      'an error with a reason the protocol does not have',
      { type: 'error', code: 'unauthorized', message: 'm', reason: 'x' },
    ],
    ['a welcome with a role that is neither host nor guest', welcome({ role: 'admin' })],
    ['a welcome whose locked is not a boolean', welcome({ locked: 'yes' })],
    ['a peer-joined whose peer has an unknown role', { type: 'peer-joined', peer: { id: 'p', name: 'B', role: 'x' } }],
    ['a lobby without hostPresent', { type: 'lobby', id: 'peer-a', room: 'standup' }],
    ['a lobby without an id', { type: 'lobby', room: 'standup', hostPresent: true }],
    ['a knock without a peer', { type: 'knock' }],
    ['a knock whose peer has no name', { type: 'knock', peer: { id: 'p' } }],
    ['a knock-ended with an unknown outcome', { type: 'knock-ended', id: 'p', outcome: 'vanished' }],
    ['a muted without who muted', { type: 'muted' }],
    ['a room-locked whose locked is not a boolean', { type: 'room-locked', locked: 1, by: { id: 'h', name: 'H' } }],
    ['a room-locked without who locked', { type: 'room-locked', locked: true }],
  ];

  it.each(badFrames)('drops %s, reports it as bad-message, and carries on', (_name, frame) => {
    const { net, seen } = setup();
    net.last().accept();
    const socket: FakeSocket = net.last();
    expect(() => socket.deliverRaw(raw(frame))).not.toThrow();
    expect(seen.errors).toEqual([expect.objectContaining({ code: 'bad-message', fatal: false })]);
    expect(seen.welcomes).toHaveLength(0);
    expect(seen.room).toEqual([]);
    socket.deliver(welcome());
    expect(seen.welcomes).toHaveLength(1);
    expect(seen.statuses.at(-1)).toBe('joined');
  });

  it('does not let a malformed answer settle a pending ice-servers request', async () => {
    const { client, net } = joined();
    const request = watch(client.refreshIceServers());
    net.last().deliver({ type: 'ice-servers', iceServers: [{ urls: 5 }], ttl: 60 });
    await vi.advanceTimersByTimeAsync(0);
    expect(request.settled()).toBe(false);
    net.last().deliver({ type: 'peer-joined', peer: { id: 'peer-b', name: 'Bob' } });
    net.last().deliver({ type: 'ice-servers', iceServers: FRESH, ttl: 60 });
    await expect(request.result).resolves.toEqual(FRESH);
  });
});

/** Objects go out as JSON text, as the server would send them; strings and bytes as they are. */
function raw(frame: unknown): unknown {
  return typeof frame === 'string' || frame instanceof Uint8Array ? frame : JSON.stringify(frame);
}

describe('chat', () => {
  /** A joined client whose chat events are recorded. */
  function chatting() {
    const context = setup();
    const chat: ChatEvent[] = [];
    context.events.chat = (event) => chat.push(event);
    context.net.last().accept();
    context.net.last().deliver(welcome());
    return { ...context, chat };
  }

  it('sends a chat frame with mid and text while joined, and nothing before the welcome', () => {
    const context = setup();
    context.net.last().accept();
    context.client.chat(1, 'too early');
    expect(context.net.last().sentOfType('chat')).toEqual([]);
    context.net.last().deliver(welcome());
    context.client.chat(2, 'hello');
    expect(context.net.last().sentOfType('chat')).toEqual([{ type: 'chat', mid: 2, text: 'hello' }]);
  });

  it('sends nothing once the connection dropped, until the next welcome', () => {
    const { client, net } = chatting();
    net.last().drop(1006);
    client.chat(1, 'lost?');
    vi.advanceTimersByTime(backoffDelay(1, 1));
    net.last().accept();
    client.chat(2, 'not yet');
    net.last().deliver(welcome({ resumed: true }));
    client.chat(3, 'now');
    expect(net.last().sentOfType('chat')).toEqual([{ type: 'chat', mid: 3, text: 'now' }]);
  });

  it('tells the chat after each welcome whether the peer id survived, after the call heard the welcome', () => {
    const { net, chat, seen } = chatting();
    net.last().deliver(welcome({ resumed: true }));
    expect(chat).toEqual([
      ['welcome', false],
      ['welcome', true],
    ]);
    expect(seen.welcomes).toHaveLength(2);
  });

  it('hands relayed chat messages to the chat, as received', () => {
    const { net, chat } = chatting();
    const message = { type: 'chat', from: { id: 'peer-b', name: 'Bob' }, mid: 4, text: '<b>x</b>', ts: 1700000000000 };
    net.last().deliver(message);
    expect(chat.at(-1)).toEqual(['chat', message]);
  });

  it('reports a refused chat message to the chat only, by its mid, and carries on', () => {
    const { net, chat, seen } = chatting();
    net.last().deliver({ type: 'error', code: 'rate-limited', message: 'chat rate exceeded', mid: 9 });
    expect(chat.at(-1)).toEqual(['refused', 9, 'rate-limited']);
    expect(seen.errors).toEqual([]);
    expect(seen.statuses.at(-1)).toBe('joined');
  });

  it('still reports an error without a mid as an error (a 1.2 server, or any other request)', () => {
    const { net, chat, seen } = chatting();
    net.last().deliver({ type: 'error', code: 'rate-limited', message: 'frames are being dropped' });
    expect(chat.filter(([kind]) => kind === 'refused')).toEqual([]);
    expect(seen.errors).toMatchObject([{ code: 'rate-limited', fatal: false }]);
  });

  it.each([
    ['without from', { type: 'chat', mid: 1, text: 'x', ts: 1 }],
    [
      'with a mid that is not a whole number',
      { type: 'chat', from: { id: 'b', name: '' }, mid: 1.5, text: 'x', ts: 1 },
    ],
    ['with a text that is not a string', { type: 'chat', from: { id: 'b', name: '' }, mid: 1, text: 5, ts: 1 }],
  ])('drops a chat frame %s as malformed, without telling the chat', (_, frame) => {
    const { net, chat, seen } = chatting();
    net.last().deliver(frame);
    expect(chat.filter(([kind]) => kind === 'chat')).toEqual([]);
    expect(seen.errors).toMatchObject([{ code: 'bad-message', fatal: false }]);
  });
});
