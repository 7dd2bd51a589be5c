/**
 * Chat (protocol 1.3) on a real server, over raw sockets: a message reaches
 * every seat of the sender's room, the sender included (its echo), stamped
 * with who sent it and when; nobody waiting in the lobby and nobody in
 * another room hears it. Refusals (too large, too fast, not text, not
 * seated) carry the refused `mid`, and the socket and its call go on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT_BURST, CHAT_MAX_BYTES } from '../../protocol/signaling.js';
import { TestClient } from '../helpers/client.js';
import { controlPair } from '../helpers/control-pair.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { TokenClients } from '../helpers/token-clients.js';
import { TOKEN_ENV } from '../helpers/tokens.js';

let server: TestServer;
const clients: TestClient[] = [];
const tokenClients = new TokenClients(() => server.wsUrl);
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  tokenClients.terminateAll();
  await server.close();
});

async function seated(room: string, name: string) {
  const joined = await TestClient.joined(server.wsUrl, room, name);
  clients.push(joined.client);
  return joined;
}

describe('chat relay', () => {
  it('relays a message to every seat of the room, the sender included, with from, mid, text and ts', async () => {
    server = await startServer({ ROOM_CAPACITY: '3' });
    const a = await seated('team', 'Ada');
    const b = await seated('team', 'Bob');
    const c = await seated('team', 'Cy');
    const before = Date.now();
    a.client.send({ type: 'chat', mid: 1, text: 'hello\n\tteam ✓' });
    const expected = { type: 'chat', from: { id: a.welcome.id, name: 'Ada' }, mid: 1, text: 'hello\n\tteam ✓' };
    for (const peer of [a, b, c]) {
      const message = await peer.client.next('chat');
      expect(message).toMatchObject(expected);
      expect(message.ts).toBeGreaterThanOrEqual(before);
      expect(message.ts).toBeLessThanOrEqual(Date.now());
    }
  });

  it('keeps each sender’s messages in the order sent', async () => {
    server = await startServer();
    const a = await seated('team', 'Ada');
    const b = await seated('team', 'Bob');
    for (let mid = 1; mid <= CHAT_BURST; mid += 1) a.client.send({ type: 'chat', mid, text: `m${mid}` });
    const mids: number[] = [];
    for (let i = 0; i < CHAT_BURST; i += 1) mids.push((await b.client.next('chat')).mid);
    expect(mids).toEqual(Array.from({ length: CHAT_BURST }, (_, i) => i + 1));
  });

  it('reaches nobody in another room', async () => {
    server = await startServer();
    const control = await controlPair(server.wsUrl);
    const a = await seated('team', 'Ada');
    const b = await seated('team', 'Bob');
    a.client.send({ type: 'chat', mid: 1, text: 'for the team only' });
    await b.client.next('chat');
    // Both control peers' frames arrive in order: once their own exchange is through, a leaked chat would be there.
    await control.assertUnaffected();
    control.close();
  });

  it('reaches no guest waiting in the lobby, and a guest admitted later hears only what is said after', async () => {
    server = await startServer({ ...TOKEN_ENV, ROOM_CAPACITY: '3' });
    const host = await tokenClients.joining({ room: 'team', name: 'Hal', role: 'host' });
    const hostWelcome = await host.next('welcome');
    const guest = await tokenClients.joining({ room: 'team', name: 'Gus', lobby: true });
    const lobby = await guest.next('lobby');
    await host.next('knock');
    host.send({ type: 'chat', mid: 1, text: 'not for the lobby' });
    await host.next('chat');
    // The guest's own request is answered after anything sent to it before: nothing was.
    await guest.expectNothingPending();
    host.send({ type: 'admit', id: lobby.id });
    await guest.next('welcome');
    host.send({ type: 'chat', mid: 2, text: 'welcome in' });
    expect(await guest.next('chat')).toMatchObject({ from: { id: hostWelcome.id, name: 'Hal' }, mid: 2 });
  });
});

describe('chat refusals', () => {
  it('refuses a 3 KB text with too-large and its mid, relays nothing, and keeps the socket', async () => {
    server = await startServer();
    const a = await seated('team', 'Ada');
    const b = await seated('team', 'Bob');
    a.client.send({ type: 'chat', mid: 7, text: 'x'.repeat(3 * 1024) });
    expect(await a.client.nextError()).toMatchObject({ code: 'too-large', mid: 7 });
    a.client.send({ type: 'chat', mid: 8, text: 'still here' });
    expect(await b.client.next('chat')).toMatchObject({ mid: 8, text: 'still here' });
  });

  it('counts bytes, not characters: 2048 bytes pass, 2049 do not', async () => {
    server = await startServer();
    const a = await seated('team', 'Ada');
    // 682 three-byte characters and two bytes more: 2048 bytes in 684 UTF-16 units.
    const exact = '€'.repeat(682) + 'ab';
    expect(Buffer.byteLength(exact)).toBe(CHAT_MAX_BYTES);
    a.client.send({ type: 'chat', mid: 1, text: exact });
    expect(await a.client.next('chat')).toMatchObject({ mid: 1, text: exact });
    a.client.send({ type: 'chat', mid: 2, text: exact + 'c' });
    expect(await a.client.nextError()).toMatchObject({ code: 'too-large', mid: 2 });
  });

  it('refuses a flood beyond the chat burst with rate-limited for each refused mid, relaying at most the burst', async () => {
    server = await startServer();
    const a = await seated('team', 'Ada');
    const b = await seated('team', 'Bob');
    await a.client.next('peer-joined');
    const sent = CHAT_BURST * 3;
    const start = performance.now();
    for (let mid = 1; mid <= sent; mid += 1) a.client.send({ type: 'chat', mid, text: `flood ${mid}` });
    const answers: Array<{ mid: number; relayed: boolean }> = [];
    for (let i = 0; i < sent; i += 1) {
      const frame = await a.client.next();
      if (frame.type === 'chat') answers.push({ mid: frame.mid, relayed: true });
      else if (frame.type === 'error') {
        expect(frame.code).toBe('rate-limited');
        answers.push({ mid: frame.mid ?? 0, relayed: false });
      } else throw new Error(`unexpected ${JSON.stringify(frame)}`);
    }
    const elapsedSeconds = (performance.now() - start) / 1000;
    // Every mid answered exactly once, in order; at most the burst plus what the bucket refilled meanwhile relayed.
    expect(answers.map((answer) => answer.mid)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    const relayed = answers.filter((answer) => answer.relayed).length;
    expect(relayed).toBeGreaterThanOrEqual(CHAT_BURST);
    expect(relayed).toBeLessThanOrEqual(CHAT_BURST + Math.ceil(elapsedSeconds * 2));
    // The other seat got exactly the relayed ones, and the socket is still usable.
    await a.client.expectNothingPending();
    const got: number[] = [];
    for (let i = 0; i < relayed; i += 1) got.push((await b.client.next('chat')).mid);
    expect(got).toEqual(answers.filter((answer) => answer.relayed).map((answer) => answer.mid));
    await b.client.expectNothingPending();
  });

  it.each([
    ['an empty text', ''],
    ['a control character', 'bell\u0007'],
    ['a carriage return', 'line\r\nbreak'],
    ['a C1 control character', 'x\u0085y'],
  ])('refuses %s with bad-message and its mid', async (_, text) => {
    server = await startServer();
    const a = await seated('team', 'Ada');
    const b = await seated('team', 'Bob');
    a.client.send({ type: 'chat', mid: 3, text });
    expect(await a.client.nextError()).toMatchObject({ code: 'bad-message', mid: 3 });
    await b.client.expectNothingPending();
  });

  it('refuses chat from a socket that has not joined with not-joined and its mid', async () => {
    server = await startServer();
    const stranger = await TestClient.connect(server.wsUrl);
    clients.push(stranger);
    stranger.send({ type: 'chat', mid: 1, text: 'hello?' });
    expect(await stranger.nextError()).toMatchObject({ code: 'not-joined', mid: 1 });
  });

  it('refuses chat from a guest waiting in the lobby with not-joined', async () => {
    server = await startServer({ ...TOKEN_ENV });
    const host = await tokenClients.joining({ room: 'team', name: 'Hal', role: 'host' });
    await host.next('welcome');
    const guest = await tokenClients.joining({ room: 'team', name: 'Gus', lobby: true });
    await guest.next('lobby');
    await host.next('knock');
    guest.send({ type: 'chat', mid: 1, text: 'let me in' });
    expect(await guest.nextError()).toMatchObject({ code: 'not-joined', mid: 1 });
    await host.expectNothingPending();
  });

  it('refuses a frame without a valid mid by its schema (bad-message, no mid)', async () => {
    server = await startServer();
    const a = await seated('team', 'Ada');
    a.client.send({ type: 'chat', mid: 0, text: 'zero' });
    const error = await a.client.nextError();
    expect(error.code).toBe('bad-message');
    expect(error.mid).toBeUndefined();
  });
});
